#include "lse/testing/nginx_server.hpp"
#include "lse/testing/temp_files.hpp"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "lse/core/errors.hpp"
#include "lse/testing/ports.hpp"

namespace lse::testing {
namespace {

constexpr const char* kEchoModule = "/usr/lib/nginx/modules/ngx_http_echo_module.so";

void WriteFile(const std::string& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) throw SetupError("NginxServer: cannot write " + path);
}

std::string BuildConfig(const std::string& dir, int http_port, int https_port, const NginxOptions& o) {
    std::ostringstream c;
    c << "load_module " << kEchoModule << ";\n"
      << "worker_processes 1;\n"
      << "error_log " << dir << "/error.log warn;\n"
      << "pid " << dir << "/nginx.pid;\n"
      << "events { worker_connections 1024; }\n"
      << "http {\n"
      << "  log_format lse '$remote_addr \"$request\" $status $body_bytes_sent';\n"
      << "  access_log " << dir << "/access.log lse;\n"
      << "  log_format lse_length '$status $request_length \"$request\"';\n"
      << "  access_log " << dir << "/requests.log lse_length;\n"
      << "  log_format lse_client_dn '$ssl_client_s_dn \"$request\"';\n"
      << (o.require_client_cert ? "  access_log " + dir + "/client-dn.log lse_client_dn;\n" : std::string())
      << "  client_body_temp_path " << dir << "/tmp/body;\n"
      << "  proxy_temp_path " << dir << "/tmp/proxy;\n"
      << "  fastcgi_temp_path " << dir << "/tmp/fastcgi;\n"
      << "  uwsgi_temp_path " << dir << "/tmp/uwsgi;\n"
      << "  scgi_temp_path " << dir << "/tmp/scgi;\n"
      << "  default_type text/plain;\n"
      << "  keepalive_requests " << o.keepalive_requests << ";\n"
      << "  keepalive_timeout " << o.keepalive_timeout << ";\n"
      << o.extra_http << "\n"
      << "  server {\n"
      << "    listen 127.0.0.1:" << http_port << ";\n"
      << "    listen 127.0.0.1:" << https_port << " ssl;\n"
      << "    server_name localhost;\n"
      << "    ssl_certificate " << dir << "/cert.pem;\n"
      << "    ssl_certificate_key " << dir << "/key.pem;\n"
      << (o.require_client_cert
              ? "    ssl_client_certificate " + dir + "/client-ca.pem;\n    ssl_verify_client on;\n"
              : std::string())
      << "    root " << dir << "/www;\n"
      << "    location = / { return 200 \"ok\\n\"; }\n"
      << "    location = /static { }\n"
      << "    location = /big { }\n"
      << "    location = /chunked { echo \"a\"; echo_flush; echo \"b\"; echo_flush; echo \"c\"; echo_flush; "
         "echo \"d\"; }\n"
      << "    location = /slow50 { echo_sleep 0.05; echo done; }\n"
      << "    location = /slow200 { echo_sleep 0.2; echo done; }\n"
      << "    location = /slow { echo_sleep $arg_s; echo done; }\n"
      << "    location = /close { keepalive_timeout 0; return 200 \"closing\\n\"; }\n"
      << "    location = /echo { echo_read_request_body; echo_request_body; }\n"
      << "    location = /upload { client_max_body_size 64m; echo_read_request_body; echo \"got\"; }\n"
      << "    location = /upload_1m { client_max_body_size 1m; echo_read_request_body; echo \"got\"; }\n"
      << "    location = /status/204 { return 204; }\n"
      << "    location = /status/404 { return 404; }\n"
      << "    location = /status/500 { return 500; }\n"
      << "    location = /status/503 { return 503; }\n"
      << "    location / { return 404; }\n"
      << o.extra_server << "\n"
      << "  }\n"
      << "}\n";
    std::string config = c.str();
    for (size_t at = config.find("{dir}"); at != std::string::npos; at = config.find("{dir}", at)) {
        config.replace(at, 5, dir);
    }
    return config;
}

void GenerateCertificate(const std::string& dir) {
    ChildProcess openssl;
    ChildOptions options;
    options.stdout_path = dir + "/openssl.log";
    options.stderr_path = dir + "/openssl.log";
    openssl.Start({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                   "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", dir + "/key.pem", "-out",
                   dir + "/cert.pem"},
                  options);
    std::optional<int> status = openssl.Wait(30000);
    if (status != 0) {
        throw SetupError("NginxServer: openssl req failed: " + ReadWhole(dir + "/openssl.log"));
    }
}

// A test CA and a client certificate it signed, for mutual TLS (EC keys: quick to generate).
void GenerateClientCertificate(const std::string& dir) {
    const std::vector<std::vector<std::string>> steps = {
        {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
         "-subj", "/CN=lsengine-test-client-ca", "-keyout", dir + "/client-ca.key", "-out", dir + "/client-ca.pem"},
        {"openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj",
         "/O=lsengine tests/CN=lsengine-test-client", "-keyout", dir + "/client.key", "-out", dir + "/client.csr"},
        {"openssl", "x509", "-req", "-in", dir + "/client.csr", "-CA", dir + "/client-ca.pem", "-CAkey",
         dir + "/client-ca.key", "-CAcreateserial", "-days", "2", "-out", dir + "/client.pem"},
    };
    for (const auto& argv : steps) {
        ChildProcess openssl;
        ChildOptions options;
        options.stdout_path = dir + "/openssl-client.log";
        options.stderr_path = dir + "/openssl-client.log";
        openssl.Start(argv, options);
        if (openssl.Wait(30000) != 0) {
            throw SetupError("NginxServer: " + argv[1] + " for the client certificate failed: " +
                             ReadWhole(dir + "/openssl-client.log"));
        }
    }
}

}  // namespace

std::string NginxServer::StaticBody() {
    std::string body;
    body.reserve(kStaticSize);
    for (size_t i = 0; i < kStaticSize; ++i) body.push_back(static_cast<char>('a' + i % 26));
    return body;
}

NginxServer::~NginxServer() { Stop(); }

void NginxServer::Start(NginxOptions options) {
    if (!dir_.empty()) throw SetupError("NginxServer::Start: already started");
    try {
        dir_ = MakeTempDir("lse-nginx-");
    } catch (const std::exception& e) {
        throw SetupError(std::string("NginxServer: ") + e.what());
    }
    try {
        std::filesystem::create_directories(dir_ + "/tmp");
        std::filesystem::create_directories(dir_ + "/www");
        WriteFile(dir_ + "/www/static", StaticBody());
        std::string big(kBigSize, 'x');
        for (size_t i = 0; i < big.size(); i += 64) big[i] = '\n';
        WriteFile(dir_ + "/www/big", big);
        GenerateCertificate(dir_);
        if (options.require_client_cert) GenerateClientCertificate(dir_);

        http_port_ = FreeTcpPort();
        do {
            https_port_ = FreeTcpPort();
        } while (https_port_ == http_port_);
        WriteFile(dir_ + "/nginx.conf", BuildConfig(dir_, http_port_, https_port_, options));

        ChildOptions child_options;
        child_options.stdout_path = dir_ + "/stdout.log";
        child_options.stderr_path = dir_ + "/stdout.log";
        process_.Start({"nginx", "-p", dir_, "-c", dir_ + "/nginx.conf", "-e", dir_ + "/error.log", "-g",
                        "daemon off; master_process off;"},
                       child_options);
        bool up = WaitForTcpPort(http_port_, 10000) && WaitForTcpPort(https_port_, 10000);
        if (!up || !process_.Running() || process_.Wait(0).has_value()) {
            throw SetupError("NginxServer: nginx did not start: " + ReadWhole(dir_ + "/stdout.log") +
                             ReadWhole(dir_ + "/error.log"));
        }
    } catch (...) {
        Stop();
        throw;
    }
}

void NginxServer::Stop() {
    process_.Stop();
    if (!dir_.empty()) {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
        dir_.clear();
    }
}

std::vector<std::string> NginxServer::AccessLogLines() const {
    std::vector<std::string> lines;
    std::ifstream in(AccessLogPath());
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) lines.push_back(line);
    }
    return lines;
}

int NginxServer::CountRequests(std::string_view needle) const {
    int count = 0;
    for (const auto& line : AccessLogLines()) {
        if (line.find(needle) != std::string::npos) ++count;
    }
    return count;
}

}  // namespace lse::testing
