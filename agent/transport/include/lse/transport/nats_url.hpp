#pragma once
/// @file
/// NATS server URL handling shared by the client, the CLI and error messages.

#include <string>
#include <string_view>

namespace lse::transport {

/// "host:port" -> "nats://host:port"; "nats://", "tls://" and "ws://" URLs are kept; a missing port becomes
/// 4222. Throws lse::UsageError on an empty string, an unknown scheme or a bad port.
std::string NormaliseNatsUrl(std::string_view url);

/// Hides credentials embedded in a URL: "nats://user:pw@h:4222" -> "nats://***@h:4222". Used in every message
/// that shows a URL, because error messages end up in logs.
std::string RedactNatsUrl(std::string_view url);

}  // namespace lse::transport
