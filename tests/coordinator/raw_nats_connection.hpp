#pragma once
// A minimal NATS client speaking the text protocol over one non-blocking TCP socket, for tests that need many
// connections in one process (a nats.c connection brings its own threads; a thousand of them would not fit CI).
// It does what a simulated agent needs: CONNECT with a token, SUB, PUB, answer the server's PINGs, and hand every
// MSG to a callback. No reconnect, no headers (HMSG), no TLS. Poll it with Fd()/WantsWrite() and call OnReadable /
// OnWritable; everything runs on the caller's thread.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace lse::coordinator::testing {

class RawNatsConnection {
public:
    using OnMessage = std::function<void(std::string_view subject, std::string_view payload)>;

    RawNatsConnection() = default;
    ~RawNatsConnection();
    RawNatsConnection(const RawNatsConnection&) = delete;
    RawNatsConnection& operator=(const RawNatsConnection&) = delete;

    /// Opens the socket (blocking connect on loopback, then non-blocking) and queues CONNECT. Returns false with
    /// *error set when the socket cannot be opened.
    bool Connect(int port, const std::string& token, const std::string& name, std::string* error);
    void Subscribe(std::string_view subject, int sid);
    void Publish(std::string_view subject, std::string_view payload);

    void SetOnMessage(OnMessage fn) { on_message_ = std::move(fn); }

    int Fd() const noexcept { return fd_; }
    bool WantsWrite() const noexcept { return sent_ < out_.size(); }
    /// False once the connection failed or the server sent -ERR (see Error()).
    bool ok() const noexcept { return error_.empty(); }
    const std::string& Error() const noexcept { return error_; }

    /// Reads what is there and dispatches complete messages; writes anything still queued.
    void OnReadable();
    void OnWritable();

private:
    void Parse();
    void Fail(std::string why);

    int fd_ = -1;
    std::string in_;
    std::string out_;
    std::size_t sent_ = 0;
    std::string error_;
    OnMessage on_message_;
};

}  // namespace lse::coordinator::testing
