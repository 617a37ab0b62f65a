#pragma once
/// @file
/// Internal: turns NatsOptions into a nats.c natsOptions. Forward-declared so this header stays nats.h-free.

#include <memory>
#include <string>

#include "lse/transport/nats_options.hpp"

typedef struct __natsOptions natsOptions;

namespace lse::transport::detail {

struct NatsOptionsDeleter {
    void operator()(natsOptions* options) const noexcept;
};
using NatsOptionsPtr = std::unique_ptr<natsOptions, NatsOptionsDeleter>;

/// Normalised URLs joined with ", " and redacted, for messages.
std::string DescribeUrls(const NatsOptions& options);

/// URLs, auth, TLS, reconnect and keepalive settings; no callbacks. Throws lse::UsageError for bad values and
/// lse::SetupError when TLS or credential files cannot be loaded.
NatsOptionsPtr BuildNatsOptions(const NatsOptions& options);

}  // namespace lse::transport::detail
