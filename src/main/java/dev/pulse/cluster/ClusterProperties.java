package dev.pulse.cluster;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * How the instances of one deployment find and trust each other ({@code pulse.cluster.*}).
 *
 * @param advertisedHost where other instances reach this one ({@code PULSE_ADVERTISED_HOST}); unset: resolved by
 *                       {@link AdvertisedAddress}, which is what a fleet on ECS wants (nothing per task)
 * @param secret         the key instances sign the reads they forward to each other with ({@code PULSE_CLUSTER_SECRET});
 *                       unset: the API key ({@code pulse.api.key}); see {@code security.PeerSignature} for neither
 * @param peerTimeout    how long a forwarded read may take before the answer is a 503
 */
@ConfigurationProperties("pulse.cluster")
public record ClusterProperties(@Nullable String advertisedHost,
                                @Nullable String secret,
                                @Bindable(defaultValue = "5s") Duration peerTimeout) {

    /** Without the secret: this may be logged. */
    @Override
    public String toString() {
        return "ClusterProperties[advertisedHost=" + advertisedHost + ", secret=" + (secret == null ? "unset" : "[hidden]")
            + ", peerTimeout=" + peerTimeout + "]";
    }
}
