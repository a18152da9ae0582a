package dev.kaftop.peer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kaftop.peer.event.MessageCreatedEvent;
import dev.kaftop.peer.event.MessageDeletedEvent;
import dev.kaftop.peer.event.MessageReadEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.JacksonUtils;
import org.springframework.kafka.support.SendResult;
import org.springframework.kafka.support.serializer.JacksonJsonDeserializer;
import org.springframework.kafka.support.serializer.JacksonJsonSerializer;
import org.springframework.kafka.support.serializer.JsonDeserializer;
import org.springframework.kafka.support.serializer.JsonSerializer;

/**
 * The message service's stack as a test peer: Spring Kafka's KafkaTemplate with its
 * JSON serializer (which adds the {@code __TypeId__} header), and a consumer with its
 * JSON deserializer, both over the seed's event classes.
 *
 * <pre>
 * produce --bootstrap B --topic T --type created|read|deleted --count N --start-id K
 *         [--at 2026-11-24T10:15:30.123|now] [--jackson 2|2-boot|3]
 *     Sends N events with message ids K.., keyed by the message id as a String. Event
 *     i has time at + i*1.5 s (+123456 ns when i % 4 == 3), sender 100 + id mod 7,
 *     receiver 200 + id mod 5, content "안녕하세요 #id \"quoted\" 🚀". The serializer:
 *       2      (default) JsonSerializer's no-argument constructor, what a serializer
 *              named by class in Spring Boot's properties gets: Jackson 2 writes a
 *              LocalDateTime as an array, [2026,11,24,10,15,30,123000000];
 *       2-boot JsonSerializer over a Jackson 2 mapper with WRITE_DATES_AS_TIMESTAMPS
 *              off, as Spring Boot configures its own: "2026-11-24T10:15:30.123";
 *       3      Spring Kafka 4's JacksonJsonSerializer (Jackson 3: ISO strings).
 *     Prints one JSON line per event sent, with where it landed.
 * consume --bootstrap B --topic T --type created|read|deleted --count N
 *         [--timeout-s S] [--jackson 2|3]
 *     Reads the topic from the beginning without a group until N records and then the
 *     end of every partition are reached, with JsonDeserializer (2, default) or
 *     JacksonJsonDeserializer (3); prints one JSON line per record with every field
 *     as deserialized into the seed's class, or an "error" for a record the
 *     deserializer refused.
 * </pre>
 *
 * share-consume: a share group member, see SharePeer; streams: a Kafka Streams
 * application in a Streams group, see StreamsPeer.
 *
 * Times print as uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS, exact to the nanosecond. Exit codes:
 * 0 done, 2 usage, 3 timed out or a send failed.
 */
@SuppressWarnings({"deprecation", "removal"}) // Spring Kafka 4 keeps the Jackson 2 classes the seed uses
public final class Peer {
    static final String EVENT_PACKAGE = "dev.kaftop.peer.event";
    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS");
    static final ObjectMapper OUT = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage("missing subcommand");
        }
        Map<String, String> opts = options(args);
        int code;
        switch (args[0]) {
            case "produce" -> code = produce(opts);
            case "consume" -> code = consume(opts);
            case "share-consume" -> code = SharePeer.run(opts);
            case "streams" -> code = StreamsPeer.run(opts);
            default -> {
                usage("unknown subcommand " + args[0]);
                code = 2;
            }
        }
        System.out.flush();
        System.exit(code);
    }

    static void usage(String why) {
        System.err.println("java-peer: " + why);
        System.err.println("usage: produce|consume --bootstrap B --topic T --type created|read|deleted --count N ...");
        System.err.println("       share-consume ... (SharePeer.java), streams ... (StreamsPeer.java)");
        System.exit(2);
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> opts = new HashMap<>();
        for (int i = 1; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                usage("expected --name value at " + args[i]);
            }
            opts.put(args[i].substring(2), args[i + 1]);
        }
        return opts;
    }

    /** Refuses options the subcommand does not know (a misspelt one must not pass). */
    static void allow(Map<String, String> opts, String... names) {
        for (String name : opts.keySet()) {
            if (!List.of(names).contains(name)) {
                usage("unknown option --" + name);
            }
        }
    }

    static String need(Map<String, String> opts, String name) {
        String v = opts.get(name);
        if (v == null) {
            usage("missing --" + name);
        }
        return v;
    }

    static Class<?> eventClass(String type) {
        return switch (type) {
            case "created" -> MessageCreatedEvent.class;
            case "read" -> MessageReadEvent.class;
            case "deleted" -> MessageDeletedEvent.class;
            default -> {
                usage("unknown --type " + type);
                yield null;
            }
        };
    }

    // --- produce ---------------------------------------------------------------------

    static int produce(Map<String, String> opts) throws Exception {
        allow(opts, "bootstrap", "topic", "type", "count", "start-id", "at", "jackson");
        String topic = need(opts, "topic");
        String type = need(opts, "type");
        eventClass(type);
        long count = Long.parseLong(need(opts, "count"));
        long start = Long.parseLong(need(opts, "start-id"));
        String atText = opts.getOrDefault("at", "now");
        LocalDateTime at = atText.equals("now") ? LocalDateTime.now() : LocalDateTime.parse(atText);
        Serializer<Object> values = switch (opts.getOrDefault("jackson", "2")) {
            case "2" -> new JsonSerializer<>();
            case "2-boot" -> {
                ObjectMapper m = JacksonUtils.enhancedObjectMapper();
                m.disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
                yield new JsonSerializer<>(m);
            }
            case "3" -> new JacksonJsonSerializer<>();
            default -> {
                usage("--jackson is 2, 2-boot or 3");
                yield null;
            }
        };

        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, need(opts, "bootstrap"));
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "kaftop-java-peer");
        DefaultKafkaProducerFactory<String, Object> factory =
                new DefaultKafkaProducerFactory<>(props, new StringSerializer(), values);
        KafkaTemplate<String, Object> template = new KafkaTemplate<>(factory);
        List<CompletableFuture<SendResult<String, Object>>> sent = new ArrayList<>();
        for (long i = 0; i < count; i++) {
            long id = start + i;
            LocalDateTime t = at.plusNanos(i * 1_500_000_000L + (i % 4 == 3 ? 123_456L : 0L));
            sent.add(template.send(topic, String.valueOf(id), event(type, id, t)));
        }
        template.flush();
        int code = 0;
        for (CompletableFuture<SendResult<String, Object>> f : sent) {
            try {
                SendResult<String, Object> r = f.get(60, TimeUnit.SECONDS);
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("partition", r.getRecordMetadata().partition());
                line.put("offset", r.getRecordMetadata().offset());
                line.put("key", r.getProducerRecord().key());
                line.put("typeId", typeId(r.getProducerRecord().headers()));
                line.putAll(fields(r.getProducerRecord().value()));
                System.out.println(OUT.writeValueAsString(line));
            } catch (Exception e) {
                System.err.println("java-peer: send failed: " + e);
                code = 3;
            }
        }
        factory.destroy();
        return code;
    }

    static Object event(String type, long id, LocalDateTime t) {
        long sender = 100 + Math.floorMod(id, 7);
        long receiver = 200 + Math.floorMod(id, 5);
        return switch (type) {
            case "created" -> new MessageCreatedEvent(
                    id, sender, receiver, "안녕하세요 #" + id + " \"quoted\" 🚀", t);
            case "read" -> new MessageReadEvent(id, receiver, t);
            default -> new MessageDeletedEvent(id, sender, receiver, t);
        };
    }

    // --- consume ---------------------------------------------------------------------

    static int consume(Map<String, String> opts) throws Exception {
        allow(opts, "bootstrap", "topic", "type", "count", "timeout-s", "jackson");
        String topic = need(opts, "topic");
        Class<?> cls = eventClass(need(opts, "type"));
        long count = Long.parseLong(need(opts, "count"));
        long deadline = System.nanoTime()
                + TimeUnit.SECONDS.toNanos(Long.parseLong(opts.getOrDefault("timeout-s", "60")));

        // As the seed's consumers configure it: the type from __TypeId__ when present
        // (trusted package), else the listener's type. The header is kept for printing.
        Deserializer<Object> values = switch (opts.getOrDefault("jackson", "2")) {
            case "2" -> new JsonDeserializer<>();
            case "3" -> new JacksonJsonDeserializer<>();
            default -> {
                usage("--jackson is 2 or 3");
                yield null;
            }
        };
        values.configure(Map.of(
                JsonDeserializer.VALUE_DEFAULT_TYPE, cls.getName(),
                JsonDeserializer.TRUSTED_PACKAGES, EVENT_PACKAGE,
                JsonDeserializer.REMOVE_TYPE_INFO_HEADERS, false), false);
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, need(opts, "bootstrap"));
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "kaftop-java-peer");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<String, Object> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), values)) {
            List<TopicPartition> parts = new ArrayList<>();
            consumer.partitionsFor(topic, Duration.ofSeconds(30))
                    .forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            long seen = 0;
            Map<TopicPartition, Long> ends = null;
            while (true) {
                if (seen >= count) {
                    if (ends == null) {
                        ends = consumer.endOffsets(parts, Duration.ofSeconds(30));
                    }
                    boolean atEnd = true;
                    for (TopicPartition tp : parts) {
                        atEnd &= consumer.position(tp, Duration.ofSeconds(30)) >= ends.get(tp);
                    }
                    if (atEnd) {
                        return 0;
                    }
                }
                if (System.nanoTime() > deadline) {
                    System.err.println("java-peer: timed out after " + seen + " of " + count + " records");
                    return 3;
                }
                try {
                    for (ConsumerRecord<String, Object> r : consumer.poll(Duration.ofMillis(200))) {
                        Map<String, Object> line = new LinkedHashMap<>();
                        line.put("partition", r.partition());
                        line.put("offset", r.offset());
                        line.put("key", r.key());
                        line.put("typeId", typeId(r.headers()));
                        line.putAll(fields(r.value()));
                        System.out.println(OUT.writeValueAsString(line));
                        seen++;
                    }
                } catch (RecordDeserializationException e) {
                    Map<String, Object> line = new LinkedHashMap<>();
                    line.put("partition", e.topicPartition().partition());
                    line.put("offset", e.offset());
                    line.put("error", String.valueOf(e.getCause()));
                    System.out.println(OUT.writeValueAsString(line));
                    consumer.seek(e.topicPartition(), e.offset() + 1);
                    seen++;
                }
            }
        }
    }

    // --- output ----------------------------------------------------------------------

    static String typeId(Headers headers) {
        Header h = headers.lastHeader("__TypeId__");
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** The event's class and every field, times exact to the nanosecond. */
    static Map<String, Object> fields(Object value) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("class", value == null ? null : value.getClass().getName());
        if (value instanceof MessageCreatedEvent e) {
            m.put("messageId", e.getMessageId());
            m.put("senderId", e.getSenderId());
            m.put("receiverId", e.getReceiverId());
            m.put("content", e.getContent());
            m.put("createdAt", time(e.getCreatedAt()));
        } else if (value instanceof MessageReadEvent e) {
            m.put("messageId", e.getMessageId());
            m.put("receiverId", e.getReceiverId());
            m.put("readAt", time(e.getReadAt()));
        } else if (value instanceof MessageDeletedEvent e) {
            m.put("messageId", e.getMessageId());
            m.put("senderId", e.getSenderId());
            m.put("receiverId", e.getReceiverId());
            m.put("deletedAt", time(e.getDeletedAt()));
        }
        return m;
    }

    static String time(LocalDateTime t) {
        return t == null ? null : TIME.format(t);
    }
}
