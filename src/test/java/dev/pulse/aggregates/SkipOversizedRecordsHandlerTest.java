package dev.pulse.aggregates;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.ProductionExceptionHandlerResponse;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SkipOversizedRecordsHandlerTest {

    private final SkipOversizedRecordsHandler handler = new SkipOversizedRecordsHandler();
    private final ProducerRecord<byte[], byte[]> record = new ProducerRecord<>("enriched-clicks", new byte[2_000_000]);

    @Test
    void skipsARecordTooLargeToSend() {
        assertEquals(ProductionExceptionHandlerResponse.CONTINUE,
            handler.handle((org.apache.kafka.streams.errors.ErrorHandlerContext) null, record, new RecordTooLargeException("too large")));
    }

    @Test
    void stopsOnAnyOtherSendFailure() {
        assertEquals(ProductionExceptionHandlerResponse.FAIL, handler.handle((org.apache.kafka.streams.errors.ErrorHandlerContext) null, record, new TimeoutException("no broker")));
    }
}
