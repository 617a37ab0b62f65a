#include "lse/transport/nats_options.hpp"

namespace lse::transport {

const char* ToString(ConnectionEvent event) noexcept {
    switch (event) {
        case ConnectionEvent::kConnected: return "connected";
        case ConnectionEvent::kDisconnected: return "disconnected";
        case ConnectionEvent::kReconnected: return "reconnected";
        case ConnectionEvent::kClosed: return "closed";
        case ConnectionEvent::kCount: break;
    }
    return "unknown";
}

}  // namespace lse::transport
