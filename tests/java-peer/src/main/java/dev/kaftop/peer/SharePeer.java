package dev.kaftop.peer;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A share group member (KIP-932) for kaftop's tests.
 *
 * <pre>
 * share-consume --bootstrap B --topic T --group G --accept A [--release R] [--reject J]
 *               [--client-id C] [--timeout-s S] [--hold stdin|none]
 *     Sets the group's share.auto.offset.reset to earliest, joins G with explicit
 *     acknowledgement and takes the first A + R + J records it is delivered (each
 *     offset once): the first A are accepted, the next R released (they become
 *     available again), the next J rejected (archived); commits the acknowledgements.
 *     Prints one JSON line per record ({"partition","offset","ack"}), then
 *     {"done":true}. With --hold stdin (the default) it stays a member of the group,
 *     without fetching, until its stdin closes; then it leaves the group.
 * </pre>
 */
final class SharePeer {
    private SharePeer() {}

    static int run(Map<String, String> opts) throws Exception {
        Peer.allow(opts, "bootstrap", "topic", "group", "accept", "release", "reject", "client-id",
                "timeout-s", "hold");
        String bootstrap = Peer.need(opts, "bootstrap");
        String topic = Peer.need(opts, "topic");
        String group = Peer.need(opts, "group");
        int accept = Integer.parseInt(Peer.need(opts, "accept"));
        int release = Integer.parseInt(opts.getOrDefault("release", "0"));
        int reject = Integer.parseInt(opts.getOrDefault("reject", "0"));
        long timeoutMs = Long.parseLong(opts.getOrDefault("timeout-s", "60")) * 1000;
        String hold = opts.getOrDefault("hold", "stdin");

        earliest(bootstrap, group);
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, opts.getOrDefault("client-id", "kaftop-share-peer"));
        props.put(ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, accept + release + reject);
        int code = 0;
        try (KafkaShareConsumer<String, String> consumer =
                new KafkaShareConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            int want = accept + release + reject;
            Set<String> seen = new java.util.HashSet<>();
            long deadline = System.currentTimeMillis() + timeoutMs;
            while (seen.size() < want) {
                if (System.currentTimeMillis() > deadline) {
                    System.err.println("java-peer: timed out with " + seen.size() + " of " + want + " records");
                    code = 3;
                    break;
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    String at = r.partition() + "@" + r.offset();
                    AcknowledgeType type;
                    if (seen.contains(at) || seen.size() >= want) {
                        // Delivered again (a released record) or beyond what was asked:
                        // handed back untouched.
                        type = AcknowledgeType.RELEASE;
                    } else {
                        int i = seen.size();
                        type = i < accept ? AcknowledgeType.ACCEPT
                                : i < accept + release ? AcknowledgeType.RELEASE : AcknowledgeType.REJECT;
                        seen.add(at);
                        Map<String, Object> line = new LinkedHashMap<>();
                        line.put("partition", r.partition());
                        line.put("offset", r.offset());
                        line.put("ack", type.toString().toLowerCase(java.util.Locale.ROOT));
                        System.out.println(Peer.OUT.writeValueAsString(line));
                    }
                    consumer.acknowledge(r, type);
                }
                consumer.commitSync();
            }
            System.out.println("{\"done\":true}");
            System.out.flush();
            if (hold.equals("stdin")) {
                waitForEof();
            }
        }
        return code;
    }

    /** A new share group starts at the log end by default; the tests want every record. */
    static void earliest(String bootstrap, String group) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            ConfigResource res = new ConfigResource(ConfigResource.Type.GROUP, group);
            List<AlterConfigOp> ops = new ArrayList<>();
            ops.add(new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "earliest"),
                    AlterConfigOp.OpType.SET));
            admin.incrementalAlterConfigs(Map.of(res, ops)).all().get();
        }
    }

    static void waitForEof() throws IOException {
        while (System.in.read() != -1) {
            // Whatever arrives is ignored: only the end of input matters.
        }
    }
}
