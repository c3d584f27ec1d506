package io.dams.bridge.ingest;

import io.dams.bridge.forward.EncodedBatch;
import io.dams.bridge.forward.KafkaForwarder;
import io.dams.bridge.validation.BatchDeduplicator;
import io.dams.bridge.validation.BatchValidator;
import io.dams.bridge.validation.Validation;
import io.dams.runtime.tls.SpiffeId;
import io.dams.schemas.ingest.v1.Ack;
import io.dams.schemas.ingest.v1.IngestGrpc;
import io.dams.schemas.ingest.v1.RegisterRequest;
import io.dams.schemas.ingest.v1.RegisterResponse;
import io.grpc.BindableService;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest API: batches from authenticated agents are checked against the sender's identity, deduplicated,
 * validated sample by sample, and acknowledged once they are durable at the hub (in Kafka or in the spool).
 *
 * <p>Each stream reads its next batch only while the bridge holds less than {@code kafka.maxInFlight} bytes of batches
 * not yet durable ({@link InFlightBudget}): when Kafka is slower than the agents, they wait (gRPC flow control) and
 * keep their batches on disk, instead of the bridge holding them all in memory.
 */
public final class IngestService implements BindableService {

    /**
     * Publish as the bridge serves it: requests are read as {@link WireBatch}es, whose bytes are the very
     * {@code Batch} messages agents send with the generated stub.
     */
    static final MethodDescriptor<WireBatch, Ack> PUBLISH = IngestGrpc.getPublishMethod()
            .toBuilder(WireBatch.MARSHALLER, IngestGrpc.getPublishMethod().getResponseMarshaller())
            .build();


    private static final Logger LOG = LoggerFactory.getLogger(IngestService.class);

    private final BatchValidator validator;
    private final BatchDeduplicator deduplicator;
    private final KafkaForwarder forwarder;
    private final AssetRegistrar registrar;
    private final Clock clock;
    private final AtomicInteger connected = new AtomicInteger();
    private final Counter denied;
    private final Counter batchesAccepted;
    private final Counter batchesRejected;
    private final Counter forwardFailures;
    private final Counter malformed;
    private final InFlightBudget budget;

    public IngestService(BatchValidator validator, BatchDeduplicator deduplicator, KafkaForwarder forwarder,
                         AssetRegistrar registrar, Clock clock, MeterRegistry registry) {
        this.validator = validator;
        this.deduplicator = deduplicator;
        this.forwarder = forwarder;
        this.registrar = registrar;
        this.clock = clock;
        registry.gauge("dams.bridge.connected.agents", connected);
        this.denied = PeerIdentityInterceptor.refusals(registry, "other_asset");
        this.batchesAccepted = Counter.builder("dams.bridge.batches").tag("result", "accepted").register(registry);
        this.batchesRejected = Counter.builder("dams.bridge.batches").tag("result", "rejected").register(registry);
        this.forwardFailures = Counter.builder("dams.bridge.batches").tag("result", "failed").register(registry);
        this.malformed = Counter.builder("dams.bridge.batches").tag("result", "malformed").register(registry);
        this.budget = new InFlightBudget(forwarder.maxInFlightBytes());
        Gauge.builder("dams.bridge.inflight.bytes", budget, InFlightBudget::used)
                .description("Bytes of batches accepted from agents and not yet durable").baseUnit("bytes")
                .register(registry);
        Gauge.builder("dams.bridge.inflight.waiting.streams", budget, InFlightBudget::waiting)
                .description("Agent streams waiting for the bytes in flight to drop below kafka.maxInFlight")
                .register(registry);
        FunctionCounter.builder("dams.bridge.inflight.waits", budget, InFlightBudget::waits)
                .description("Times an agent stream waited because kafka.maxInFlight was reached").register(registry);
    }

    @Override
    public ServerServiceDefinition bindService() {
        return ServerServiceDefinition.builder(IngestGrpc.SERVICE_NAME)
                .addMethod(PUBLISH, ServerCalls.asyncBidiStreamingCall(this::publish))
                .addMethod(IngestGrpc.getRegisterMethod(), ServerCalls.asyncUnaryCall(this::register))
                .build();
    }

    StreamObserver<WireBatch> publish(StreamObserver<Ack> responses) {
        SpiffeId peer = PeerIdentityInterceptor.PEER.get();
        ServerCallStreamObserver<Ack> call = (ServerCallStreamObserver<Ack>) responses;
        call.disableAutoRequest();
        connected.incrementAndGet();
        AgentStream stream = new AgentStream(peer, call);
        budget.whenRoom(stream::requestNext);
        return stream;
    }

    void register(RegisterRequest request, StreamObserver<RegisterResponse> response) {
        SpiffeId peer = PeerIdentityInterceptor.PEER.get();
        var asset = request.getAsset();
        if (!mayActFor(peer, asset.getAssetId(), asset.getRegion())) {
            denied.increment();
            response.onError(Status.PERMISSION_DENIED.withDescription(peer + " may not register asset '"
                    + asset.getAssetId() + "' in region '" + asset.getRegion() + "'").asRuntimeException());
            return;
        }
        registrar.register(asset).whenComplete((created, error) -> {
            if (error != null) {
                response.onError(Status.UNAVAILABLE.withDescription("cannot record the registration now: "
                        + error.getMessage()).asRuntimeException());
            } else {
                response.onNext(RegisterResponse.newBuilder().setAssetId(asset.getAssetId()).setCreated(created).build());
                response.onCompleted();
            }
        });
    }

    /**
     * One agent's Publish stream. It asks gRPC for one message at a time, when the budget has room; acks come back from
     * other threads.
     */
    private final class AgentStream implements StreamObserver<WireBatch> {
        private final SpiffeId peer;
        private final ServerCallStreamObserver<Ack> responses;
        private final AtomicInteger inFlight = new AtomicInteger();
        private volatile boolean halfClosed;
        private volatile boolean ended;

        AgentStream(SpiffeId peer, ServerCallStreamObserver<Ack> responses) {
            this.peer = peer;
            this.responses = responses;
        }

        void requestNext() {
            if (!ended) {
                responses.request(1);
            }
        }

        @Override
        public void onNext(WireBatch batch) {
            if (ended) {
                return;
            }
            accept(batch);
            budget.whenRoom(this::requestNext);
        }

        private void accept(WireBatch batch) {
            if (batch.malformed() != null) {
                malformed.increment();
                LOG.warn("refused bytes from {} that are no batch: {}", peer, batch.malformed());
                end(Status.INVALID_ARGUMENT.withDescription("not a dams.ingest.v1.Batch message: "
                        + batch.malformed()));
                return;
            }
            if (!mayActFor(peer, batch.assetId(), batch.region())) {
                denied.increment();
                LOG.warn("refused a batch for asset '{}' in region '{}' from {}", batch.assetId(), batch.region(),
                        peer);
                end(Status.PERMISSION_DENIED.withDescription(peer + " may not publish for asset '"
                        + batch.assetId() + "' in region '" + batch.region() + "'"));
                return;
            }
            // Keyed by the certified asset as well, so that one agent cannot mask another's batches.
            String agentKey = peer.name() + "/" + batch.agentId();
            long seq = batch.seq();
            if (!deduplicator.firstTime(agentKey, seq)) {
                send(Ack.newBuilder().setSeq(seq).setDuplicate(true).build());
                return;
            }
            int bytes = batch.size();
            Validation validation = validator.validate(batch);
            Ack.Builder ack = Ack.newBuilder().setSeq(seq).setAccepted(validation.acceptedCount())
                    .setRejected(validation.rejectedCount()).addAllRejections(validation.rejections());
            if (validation.acceptedCount() == 0) {
                batchesRejected.increment();
                deduplicator.accepted(agentKey, seq);
                send(ack.build());
                return;
            }
            EncodedBatch encoded = EncodedBatch.transcode(batch, validation, clock.millis());
            inFlight.incrementAndGet();
            budget.take(bytes);
            forwarder.forward(encoded).whenComplete((durability, error) -> {
                budget.release(bytes);
                if (error != null) {
                    deduplicator.failed(agentKey, seq);
                    forwardFailures.increment();
                    LOG.warn("could not make batch {} of {} durable: {}", seq, peer, error.getMessage());
                    end(Status.UNAVAILABLE.withDescription("the hub cannot store batches now; retry"));
                } else {
                    deduplicator.accepted(agentKey, seq);
                    batchesAccepted.increment();
                    send(ack.build());
                }
                if (inFlight.decrementAndGet() == 0 && halfClosed) {
                    end(Status.OK);
                }
            });
        }

        @Override
        public void onError(Throwable t) {
            // The agent went away; what it sent is acked or not, and it will replay what was not.
            ended = true;
            connected.decrementAndGet();
        }

        @Override
        public void onCompleted() {
            halfClosed = true;
            if (inFlight.get() == 0) {
                end(Status.OK);
            }
        }

        private void send(Ack ack) {
            synchronized (responses) {
                if (!ended) {
                    responses.onNext(ack);
                }
            }
        }

        private void end(Status status) {
            synchronized (responses) {
                if (ended) {
                    return;
                }
                ended = true;
                connected.decrementAndGet();
                if (status.isOk()) {
                    responses.onCompleted();
                } else {
                    responses.onError(status.asRuntimeException());
                }
            }
        }
    }

    /** An agent speaks only for the asset and region its certificate names. */
    private static boolean mayActFor(SpiffeId peer, String assetId, String region) {
        return assetId.equals(peer.name()) && region.equals(peer.region());
    }
}
