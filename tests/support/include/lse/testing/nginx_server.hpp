#pragma once
/// @file
/// A private nginx (plus the echo module) on two free loopback ports, one plain HTTP and one HTTPS
/// with a fresh self-signed certificate. Everything (config, cert, logs, pid, temp dirs) lives in a
/// mkdtemp directory under /tmp, so it runs as root or as a user without touching /var.
///
/// Locations (same on both ports):
///   /               200 "ok\n" (Content-Length)
///   /static         200, a fixed 1024-byte body (Content-Length); see kStaticBody()
///   /big            200, a 1 MiB static file (kBigSize bytes, Content-Length)
///   /chunked        200, chunked: "a\n", "b\n", "c\n", "d\n" flushed separately (body "a\nb\nc\nd\n")
///   /slow50         200 "done\n" after 50 ms; /slow200 the same after 200 ms
///   /slow?s=0.25    200 "done\n" after the given number of SECONDS (fractions allowed)
///   /close          200 "closing\n" with Connection: close
///   /echo           200, echoes the request body back
///   /upload         200 "got\n" after reading a request body of up to 64 MiB (larger: 413)
///   /upload_1m      the same with a 1 MiB limit (larger bodies get an early 413)
///   /status/204, /status/404, /status/500, /status/503   that status
///   anything else   404
/// The access log has one line per request: `<remote_addr> "<request line>" <status> <body_bytes_sent>`.
/// The request log (RequestLogPath) has one line per request too: `<status> <request_length> "<request line>"`,
/// where request_length counts the request line, headers and body as nginx received them.

#include <string>
#include <string_view>
#include <vector>

#include "lse/testing/child_process.hpp"

namespace lse::testing {

struct NginxOptions {
    std::string keepalive_timeout = "2s";  ///< Short, so tests can observe idle closes.
    int keepalive_requests = 1000;
    /// Mutual TLS on the HTTPS port: nginx requires a client certificate signed by a fresh test CA
    /// (ClientCaPath; ClientCertPath/ClientKeyPath hold one, subject "CN=lsengine-test-client,O=lsengine tests").
    /// A request without one gets nginx's 400 "No required SSL certificate was sent". Each HTTPS request's
    /// client subject ($ssl_client_s_dn) is logged to ClientDnLogPath as `<subject> "<request line>"`.
    bool require_client_cert = false;
    /// Extra directives a test adds: in the http block before the server (log formats...) and at the end of the server
    /// block (its own locations); `{dir}` in them stands for Dir(), where the test may put files under www/.
    std::string extra_http{};
    std::string extra_server{};
};

class NginxServer {
public:
    static constexpr size_t kBigSize = 1024 * 1024;
    static constexpr size_t kStaticSize = 1024;
    /// The exact body served on /static.
    static std::string StaticBody();

    NginxServer() = default;
    ~NginxServer();  ///< Calls Stop().
    NginxServer(const NginxServer&) = delete;
    NginxServer& operator=(const NginxServer&) = delete;

    /// Creates the directory, certificate and config, starts nginx and waits (10 s max) until both
    /// ports accept connections. Throws lse::SetupError (with nginx's error log) on failure.
    void Start(NginxOptions options = {});
    /// Kills nginx and removes the directory. Safe to call twice.
    void Stop();

    int HttpPort() const noexcept { return http_port_; }
    int HttpsPort() const noexcept { return https_port_; }
    const std::string& Dir() const noexcept { return dir_; }
    /// The self-signed certificate (CN/SAN localhost, SAN IP 127.0.0.1); usable as a CA file.
    std::string CaCertPath() const { return dir_ + "/cert.pem"; }
    std::string AccessLogPath() const { return dir_ + "/access.log"; }
    std::string ErrorLogPath() const { return dir_ + "/error.log"; }
    std::string RequestLogPath() const { return dir_ + "/requests.log"; }
    /// require_client_cert only.
    std::string ClientCaPath() const { return dir_ + "/client-ca.pem"; }
    std::string ClientCertPath() const { return dir_ + "/client.pem"; }
    std::string ClientKeyPath() const { return dir_ + "/client.key"; }
    std::string ClientDnLogPath() const { return dir_ + "/client-dn.log"; }

    /// All access-log lines so far (nginx writes each line unbuffered when the request ends).
    std::vector<std::string> AccessLogLines() const;
    /// Number of access-log lines containing `needle`, e.g. CountRequests("GET /static ").
    int CountRequests(std::string_view needle) const;

private:
    ChildProcess process_;
    std::string dir_;
    int http_port_ = 0;
    int https_port_ = 0;
};

}  // namespace lse::testing
