package io.dams.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import io.dams.schemas.ingest.v1.Ack;
import io.dams.schemas.ingest.v1.IngestGrpc;
import io.dams.schemas.ingest.v1.RejectReason;
import io.dams.schemas.ingest.v1.Rejection;
import io.grpc.MethodDescriptor;
import org.junit.jupiter.api.Test;

class IngestApiTest {

    @Test
    void shouldStreamBatchesAndAcksOnPublishAndAnswerRegisterOnce() {
        assertThat(IngestGrpc.getPublishMethod().getType()).isEqualTo(MethodDescriptor.MethodType.BIDI_STREAMING);
        assertThat(IngestGrpc.getRegisterMethod().getType()).isEqualTo(MethodDescriptor.MethodType.UNARY);
    }

    @Test
    void shouldCarryPerReasonCountsInAnAck() throws Exception {
        Ack ack = Ack.newBuilder().setSeq(12).setAccepted(98).setRejected(2)
                .addRejections(Rejection.newBuilder().setReason(RejectReason.NON_FINITE_VALUE).setCount(2)
                        .setExample("cpu_percent=NaN"))
                .build();
        Ack decoded = Ack.parseFrom(ack.toByteArray());
        assertThat(decoded.getSeq()).isEqualTo(12);
        assertThat(decoded.getRejectionsList()).singleElement()
                .satisfies(r -> assertThat(r.getReason()).isEqualTo(RejectReason.NON_FINITE_VALUE));
    }
}
