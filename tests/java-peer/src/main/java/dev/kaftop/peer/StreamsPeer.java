package dev.kaftop.peer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;

/**
 * A Kafka Streams application in a Streams group (KIP-1071, group.protocol=streams).
 *
 * <pre>
 * streams --bootstrap B --app-id A --input T1 --input2 T2 --output O [--client-id C]
 *         [--timeout-s S]
 *     Two subtopologies with no state: T1 -> upper case -> O, and T2 -> O. Prints
 *     {"state":"RUNNING"} once the instance runs (after every rebalance too), and runs
 *     until its stdin closes; then it closes and leaves the group, printing
 *     {"closed":true}. Several instances with the same A share the tasks.
 * </pre>
 */
final class StreamsPeer {
    private StreamsPeer() {}

    static int run(java.util.Map<String, String> opts) throws Exception {
        Peer.allow(opts, "bootstrap", "app-id", "input", "input2", "output", "client-id", "timeout-s");
        Properties props = new Properties();
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, Peer.need(opts, "bootstrap"));
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, Peer.need(opts, "app-id"));
        props.put(StreamsConfig.CLIENT_ID_CONFIG, opts.getOrDefault("client-id", "kaftop-streams-peer"));
        props.put(StreamsConfig.GROUP_PROTOCOL_CONFIG, "streams");
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
        props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
        Path state = Files.createTempDirectory("kaftop-streams-peer");
        props.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());

        String output = Peer.need(opts, "output");
        StreamsBuilder builder = new StreamsBuilder();
        builder.<String, String>stream(Peer.need(opts, "input"))
                .mapValues(v -> v == null ? null : v.toUpperCase(java.util.Locale.ROOT))
                .to(output);
        builder.<String, String>stream(Peer.need(opts, "input2")).to(output);
        Topology topology = builder.build();

        long timeoutMs = Long.parseLong(opts.getOrDefault("timeout-s", "60")) * 1000;
        CountDownLatch running = new CountDownLatch(1);
        int code = 0;
        try (KafkaStreams streams = new KafkaStreams(topology, props)) {
            streams.setStateListener((now, before) -> {
                System.err.println("java-peer: streams " + before + " -> " + now);
                if (now == KafkaStreams.State.RUNNING) {
                    System.out.println("{\"state\":\"RUNNING\"}");
                    System.out.flush();
                    running.countDown();
                }
            });
            streams.start();
            if (!running.await(timeoutMs, TimeUnit.MILLISECONDS)) {
                System.err.println("java-peer: the application did not reach RUNNING");
                code = 3;
            } else {
                waitForEof();
            }
        }
        System.out.println("{\"closed\":true}");
        return code;
    }

    static void waitForEof() throws IOException {
        while (System.in.read() != -1) {
            // Only the end of input matters.
        }
    }
}
