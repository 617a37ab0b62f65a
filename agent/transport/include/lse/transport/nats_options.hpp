#pragma once
/// @file
/// Plain settings and values of the NATS transport. No nats.c types: only agent/transport/src sees nats.h.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lse/core/clock.hpp"

namespace lse::transport {

struct NatsOptions {
    /// "nats://host:4222", "tls://host:4222" or "host:port" (normalised to nats://). At least one is required.
    std::vector<std::string> urls;
    // Authentication: at most one of token, user/password, creds_file is normally set.
    std::string token;
    std::string user;
    std::string password;
    std::string creds_file;  ///< Chained .creds file (JWT + NKey seed).
    // TLS. A tls:// URL turns it on as well.
    bool tls = false;
    std::string ca_file;
    std::string cert_file;
    std::string key_file;
    std::string name;  ///< Connection name shown by the server (e.g. the agent id).
    /// Agents may start before the broker: Connect() then returns at once and the client keeps trying
    /// in the background (ConnectionEvent::kConnected reports success).
    bool retry_on_failed_connect = false;
    std::int64_t reconnect_wait_ns = 250 * kNsPerMs;
    int max_reconnects = -1;  ///< -1 = forever.
    /// Keepalive: a broken link is noticed within about two intervals, and idle connections of long runs are
    /// not dropped by middleboxes.
    std::int64_t ping_interval_ns = 5 * kNsPerSec;
    std::int64_t connect_timeout_ns = 2 * kNsPerSec;
    /// Publishes made while reconnecting are buffered up to this size, then flushed on reconnect.
    std::size_t reconnect_buffer_bytes = 8u << 20;
};

/// One received message. `reply` is empty unless the sender expects an answer.
struct Message {
    std::string subject;
    std::string reply;
    std::string data;
};

enum class ConnectionEvent {
    kConnected,     ///< First connection made in the background (only with retry_on_failed_connect).
    kDisconnected,  ///< Link lost; nats.c is reconnecting and buffers publishes meanwhile.
    kReconnected,   ///< Link back; subscriptions were re-sent and buffered publishes flushed.
    kClosed,        ///< Given up (max_reconnects exhausted). Not reported for Close().
    kCount,
};

const char* ToString(ConnectionEvent event) noexcept;

}  // namespace lse::transport
