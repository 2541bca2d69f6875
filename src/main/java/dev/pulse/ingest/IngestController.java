package dev.pulse.ingest;

import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Error;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * {@code POST /api/events/{stream}}: one event or a JSON array of events (for {@code words}, also
 * a {@code text/plain} line). 202 {@code {"accepted": N}}; 400 with the reason when any element
 * is invalid, and then nothing is published; 404 for an unknown stream; 503 when Kafka does not
 * take the events.
 */
@Controller("/api/events")
public class IngestController {

    private static final Logger LOG = LoggerFactory.getLogger(IngestController.class);

    private final IngestService service;

    public IngestController(IngestService service) {
        this.service = service;
    }

    @Post("/{stream}")
    @Consumes({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN})
    @ExecuteOn(TaskExecutors.BLOCKING)
    public HttpResponse<Map<String, Object>> ingest(@PathVariable String stream, @Nullable @Body String body,
                                                    @Nullable @Header("Content-Type") String contentType) {
        IngestStream target = IngestStream.byPath(stream).orElse(null);
        if (target == null) {
            return HttpResponse.notFound(Map.of("error", "unknown stream '" + stream + "'; known: "
                + java.util.Arrays.stream(IngestStream.values()).map(IngestStream::path).toList()));
        }
        boolean plainText = contentType != null && contentType.startsWith(MediaType.TEXT_PLAIN);
        int accepted = service.ingest(target, body == null ? "" : body, plainText);
        return HttpResponse.accepted().body(Map.of("accepted", accepted));
    }

    @Error(exception = InvalidEventException.class)
    public HttpResponse<Map<String, String>> invalid(InvalidEventException e) {
        return HttpResponse.badRequest(Map.of("error", e.getMessage()));
    }

    @Error(exception = KafkaException.class)
    public HttpResponse<Map<String, String>> kafkaUnavailable(KafkaException e) {
        LOG.warn("ingest could not publish to Kafka", e);
        return HttpResponse.<Map<String, String>>status(HttpStatus.SERVICE_UNAVAILABLE)
            .body(Map.of("error", "Kafka did not accept the events: " + e.getMessage()));
    }
}
