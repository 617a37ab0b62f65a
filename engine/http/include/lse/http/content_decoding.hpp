#pragma once
/// @file
/// Content-Encoding (RFC 9110 8.4): the response body as the server sent it (gzip, deflate or br) turned back
/// into the representation a script reads. Decoding is on demand: the transport never decodes, so a run whose
/// scripts do not read bodies pays nothing (the stats count the bytes on the wire, compressed).
///
/// One ContentDecoder per thread (a Lua state, an agent's replay worker) keeps its zlib stream and output
/// buffer between bodies: decoding costs no allocation once the buffer has grown to the largest body seen.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

struct z_stream_s;

namespace lse::http {

/// The codings a request offers by default ("Accept-Encoding: gzip, deflate, br") and that ContentDecoder undoes.
enum class ContentCoding : std::uint8_t { kIdentity, kGzip, kDeflate, kBrotli, kUnknown };

/// The value lsengine sends in Accept-Encoding unless compression is turned off or the caller set one.
inline constexpr std::string_view kDefaultAcceptEncoding = "gzip, deflate, br";

/// Upper bound of a decoded body: a decompression bomb fails instead of exhausting memory.
inline constexpr std::size_t kMaxDecodedBodyBytes = std::size_t{256} << 20;  // 256 MiB

/// "gzip" and "x-gzip", "deflate", "br", "identity" (case-insensitive, as RFC 9110 8.4.1 says); anything else
/// is kUnknown.
ContentCoding ParseContentCoding(std::string_view token) noexcept;

/// The codings of a Content-Encoding value in the order they were applied ("gzip, br": gzip first, then br;
/// decoding undoes them from the last). identity entries are skipped. False when there are more than `max`
/// codings (a server never stacks many: refused rather than decoded).
bool ParseContentEncoding(std::string_view value, std::vector<ContentCoding>* codings, std::size_t max = 4);

/// True when a body with this Content-Encoding value must be decoded before a script reads it: at least one
/// coding that ContentDecoder knows and none that it does not (a body in an unknown coding is handed over as
/// it came, as curl and requests do).
bool NeedsDecoding(std::string_view content_encoding) noexcept;

class ContentDecoder {
public:
    explicit ContentDecoder(std::size_t max_output = kMaxDecodedBodyBytes) noexcept;
    ~ContentDecoder();
    ContentDecoder(const ContentDecoder&) = delete;
    ContentDecoder& operator=(const ContentDecoder&) = delete;

    /// Undoes the codings of `content_encoding` on `body`. On success returns the decoded bytes (a view of an
    /// internal buffer, valid until the next Decode) or `body` itself when nothing needs decoding. On failure
    /// returns false; Error() then says which coding failed and why ("gzip: invalid stored block lengths",
    /// "br: the stream is truncated", "deflate: the decoded body exceeds 256 MiB").
    bool Decode(std::string_view content_encoding, std::string_view body, std::string_view* out);

    const std::string& Error() const noexcept { return error_; }

private:
    bool Inflate(ContentCoding coding, std::string_view in, std::string* out);
    bool Unbrotli(std::string_view in, std::string* out);
    bool Grow(std::string* out, std::size_t used, std::string_view coding);

    std::size_t max_output_;
    z_stream_s* zs_ = nullptr;  // created on the first gzip/deflate body, reset for each
    std::vector<ContentCoding> codings_;
    std::string buffers_[2];  // stacked codings alternate between the two
    std::string error_;
};

}  // namespace lse::http
