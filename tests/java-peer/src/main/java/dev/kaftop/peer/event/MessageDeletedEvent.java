package dev.kaftop.peer.event;

import java.time.LocalDateTime;

/** The seed's MessageDeletedEvent: Long ids, a LocalDateTime, bean accessors for Jackson. */
public class MessageDeletedEvent {
    private Long messageId;
    private Long senderId;
    private Long receiverId;
    private LocalDateTime deletedAt;

    public MessageDeletedEvent() {}

    public MessageDeletedEvent(
            Long messageId, Long senderId, Long receiverId, LocalDateTime deletedAt) {
        this.messageId = messageId;
        this.senderId = senderId;
        this.receiverId = receiverId;
        this.deletedAt = deletedAt;
    }

    public Long getMessageId() { return messageId; }
    public void setMessageId(Long messageId) { this.messageId = messageId; }
    public Long getSenderId() { return senderId; }
    public void setSenderId(Long senderId) { this.senderId = senderId; }
    public Long getReceiverId() { return receiverId; }
    public void setReceiverId(Long receiverId) { this.receiverId = receiverId; }
    public LocalDateTime getDeletedAt() { return deletedAt; }
    public void setDeletedAt(LocalDateTime deletedAt) { this.deletedAt = deletedAt; }
}
