#include "nats_options_builder.hpp"

#include <nats/nats.h>

#include <climits>
#include <vector>

#include "lse/core/errors.hpp"
#include "lse/transport/nats_url.hpp"

namespace lse::transport::detail {

namespace {

std::string LastNatsError(natsStatus status) {
    const char* text = nats_GetLastError(nullptr);
    if (text != nullptr && *text != '\0') return text;
    return natsStatus_GetText(status);
}

void Check(natsStatus status, const std::string& what) {
    if (status == NATS_OK) return;
    throw SetupError("NATS: " + what + ": " + LastNatsError(status));
}

bool StartsWith(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

void NatsOptionsDeleter::operator()(natsOptions* options) const noexcept { natsOptions_Destroy(options); }

std::string DescribeUrls(const NatsOptions& options) {
    std::string out;
    for (const auto& url : options.urls) {
        if (!out.empty()) out.append(", ");
        out.append(RedactNatsUrl(NormaliseNatsUrl(url)));
    }
    return out;
}

NatsOptionsPtr BuildNatsOptions(const NatsOptions& options) {
    if (options.urls.empty()) throw UsageError("no NATS server URL given");
    std::vector<std::string> urls;
    bool tls = options.tls;
    for (const auto& url : options.urls) {
        urls.push_back(NormaliseNatsUrl(url));
        tls = tls || StartsWith(urls.back(), "tls://") || StartsWith(urls.back(), "wss://");
    }
    if (!options.password.empty() && options.user.empty()) throw UsageError("NATS password given without a user");
    if (options.cert_file.empty() != options.key_file.empty()) {
        throw UsageError("NATS TLS needs both a certificate and a key file (or neither)");
    }

    natsOptions* raw = nullptr;
    Check(natsOptions_Create(&raw), "cannot create options");
    NatsOptionsPtr opts(raw);

    std::vector<const char*> servers;
    for (const auto& url : urls) servers.push_back(url.c_str());
    Check(natsOptions_SetServers(raw, servers.data(), static_cast<int>(servers.size())), "bad server URL");
    if (!options.name.empty()) Check(natsOptions_SetName(raw, options.name.c_str()), "bad connection name");
    if (!options.token.empty()) Check(natsOptions_SetToken(raw, options.token.c_str()), "bad token");
    if (!options.user.empty()) {
        Check(natsOptions_SetUserInfo(raw, options.user.c_str(), options.password.c_str()), "bad user/password");
    }
    if (!options.creds_file.empty()) {
        Check(natsOptions_SetUserCredentialsFromFiles(raw, options.creds_file.c_str(), nullptr),
              "cannot use credentials file " + options.creds_file);
    }
    if (tls) {
        Check(natsOptions_SetSecure(raw, true), "TLS is not available in this nats.c build");
        if (!options.ca_file.empty()) {
            Check(natsOptions_LoadCATrustedCertificates(raw, options.ca_file.c_str()),
                  "cannot load CA file " + options.ca_file);
        }
        if (!options.cert_file.empty()) {
            Check(natsOptions_LoadCertificatesChain(raw, options.cert_file.c_str(), options.key_file.c_str()),
                  "cannot load certificate " + options.cert_file + " / key " + options.key_file);
        }
    }

    const auto to_ms = [](std::int64_t ns) { return ns <= 0 ? std::int64_t{0} : (ns + kNsPerMs - 1) / kNsPerMs; };
    if (options.ping_interval_ns <= 0) throw UsageError("NATS ping interval must be positive");
    Check(natsOptions_SetPingInterval(raw, to_ms(options.ping_interval_ns)), "bad ping interval");
    Check(natsOptions_SetReconnectWait(raw, to_ms(options.reconnect_wait_ns)), "bad reconnect wait");
    Check(natsOptions_SetMaxReconnect(raw, options.max_reconnects), "bad max reconnects");
    Check(natsOptions_SetAllowReconnect(raw, true), "cannot enable reconnects");
    if (options.connect_timeout_ns > 0) {
        Check(natsOptions_SetTimeout(raw, to_ms(options.connect_timeout_ns)), "bad connect timeout");
    }
    const std::size_t buffer = options.reconnect_buffer_bytes > static_cast<std::size_t>(INT_MAX)
                                   ? static_cast<std::size_t>(INT_MAX)
                                   : options.reconnect_buffer_bytes;
    Check(natsOptions_SetReconnectBufSize(raw, static_cast<int>(buffer)), "bad reconnect buffer size");
    return opts;
}

}  // namespace lse::transport::detail
