package dev.pulse;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.OutputStreamAppender;
import io.micronaut.json.JsonMapper;
import io.micronaut.serde.ObjectMapper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The production {@code logback.xml}, loaded into a logger context of its own: plain text lines unless
 * {@code PULSE_LOG_FORMAT=JSON}, then one JSON object a line with the message's arguments filled in and the MDC.
 * ({@code JsonLogsIntegrationTest} runs the whole service with it.)
 */
class LogFormatTest {

    private static final JsonMapper JSON = ObjectMapper.getDefault();

    @Test
    void writesPlainTextLinesByDefault() throws Exception {
        Assumptions.assumeTrue(System.getenv("PULSE_LOG_FORMAT") == null,
            "PULSE_LOG_FORMAT is set in this environment, so the default cannot be seen: skipped");
        String line = logOneLine(null).strip();
        assertTrue(line.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  \\[[^]]+] dev\\.pulse\\.deadletters - dead-lettered t-0@7: bad"),
            line);
    }

    @Test
    @SuppressWarnings("unchecked")
    void writesOneJsonObjectALineWhenAskedTo() throws Exception {
        String out = logOneLine("JSON");
        assertEquals(1, out.lines().count(), out);
        Map<String, Object> line = JSON.readValue(out, Map.class);
        assertEquals("INFO", line.get("level"));
        assertEquals("dev.pulse.deadletters", line.get("loggerName"));
        assertEquals("dead-lettered t-0@7: bad", line.get("formattedMessage"));
        assertEquals(Map.of("kafka_topic", "t", "kafka_partition", "0", "kafka_offset", "7"), line.get("mdc"));
    }

    /** Logs a dead-letter line, as {@code RecordLog} does, through logback.xml with {@code PULSE_LOG_FORMAT} set so. */
    private static String logOneLine(String format) throws Exception {
        LoggerContext context = new LoggerContext();
        LogbackMDCAdapter mdc = new LogbackMDCAdapter();
        context.setMDCAdapter(mdc);
        if (format != null) {
            context.putProperty("PULSE_LOG_FORMAT", format);
        }
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(LogFormatTest.class.getResource("/logback.xml"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.iteratorForAppenders().forEachRemaining(appender -> ((OutputStreamAppender<?>) appender).setOutputStream(out));
        mdc.put("kafka_topic", "t");
        mdc.put("kafka_partition", "0");
        mdc.put("kafka_offset", "7");
        context.getLogger("dev.pulse.deadletters").info("dead-lettered {}-{}@{}: {}", "t", 0, 7, "bad");
        context.stop();
        return out.toString(StandardCharsets.UTF_8);
    }
}
