package dev.kaftop.peer.event;

import java.time.LocalDateTime;

/** The seed's MessageReadEvent: Long ids, a LocalDateTime, bean accessors for Jackson. */
public class MessageReadEvent {
    private Long messageId;
    private Long receiverId;
    private LocalDateTime readAt;

    public MessageReadEvent() {}

    public MessageReadEvent(Long messageId, Long receiverId, LocalDateTime readAt) {
        this.messageId = messageId;
        this.receiverId = receiverId;
        this.readAt = readAt;
    }

    public Long getMessageId() { return messageId; }
    public void setMessageId(Long messageId) { this.messageId = messageId; }
    public Long getReceiverId() { return receiverId; }
    public void setReceiverId(Long receiverId) { this.receiverId = receiverId; }
    public LocalDateTime getReadAt() { return readAt; }
    public void setReadAt(LocalDateTime readAt) { this.readAt = readAt; }
}
