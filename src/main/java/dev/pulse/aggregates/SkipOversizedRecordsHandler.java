package dev.pulse.aggregates;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * Production exception handler of the aggregates stream: an output record larger than the producer
 * or broker accepts (an enriched copy of an input close to the 1 MB limit) is logged and skipped so
 * it cannot stop its partition; any other send failure stops the stream thread, as by default, since
 * skipping it would lose output silently.
 */
public class SkipOversizedRecordsHandler implements ProductionExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(SkipOversizedRecordsHandler.class);

    @Override
    public ProductionExceptionHandlerResponse handle(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record,
                                                     Exception exception) {
        if (exception instanceof RecordTooLargeException) {
            LOG.warn("Skipping an output record to {} of {} bytes: {}", record.topic(),
                record.value() == null ? 0 : record.value().length, exception.getMessage());
            return ProductionExceptionHandlerResponse.CONTINUE;
        }
        return ProductionExceptionHandlerResponse.FAIL;
    }

    @Override
    public void configure(Map<String, ?> configs) {
        // nothing to configure
    }
}
