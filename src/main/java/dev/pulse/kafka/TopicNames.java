package dev.pulse.kafka;

import io.micronaut.context.env.Environment;
import jakarta.inject.Singleton;

/** Resolves a contract topic name to the one configured for this installation. */
@Singleton
public class TopicNames {

    private final Environment environment;

    public TopicNames(Environment environment) {
        this.environment = environment;
    }

    /**
     * @param defaultName one of the {@link Topics} constants
     * @return {@code pulse.topics.<defaultName>} when set, else the default name; for a topic named after another
     *         ({@link Topics#NAMED_AFTER}), that one's name plus the suffix
     */
    public String resolve(String defaultName) {
        return environment.getProperty("pulse.topics." + defaultName, String.class).orElseGet(() -> {
            String owner = Topics.NAMED_AFTER.get(defaultName);
            return owner == null ? defaultName : resolve(owner) + defaultName.substring(owner.length());
        });
    }
}
