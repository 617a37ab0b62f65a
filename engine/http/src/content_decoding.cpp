#include "lse/http/content_decoding.hpp"

#include <brotli/decode.h>
#include <zlib.h>

#include <algorithm>
#include <limits>

#include "lse/http/request.hpp"

namespace lse::http {
namespace {

constexpr std::size_t kFirstOutput = 16 * 1024;

std::string_view Trim(std::string_view s) noexcept { return TrimHeaderValue(s); }

std::string_view CodingName(ContentCoding c) noexcept {
    switch (c) {
        case ContentCoding::kGzip: return "gzip";
        case ContentCoding::kDeflate: return "deflate";
        case ContentCoding::kBrotli: return "br";
        default: return "identity";
    }
}

// RFC 1950: a zlib stream starts with CMF (method 8 = deflate) and FLG, CMF*256+FLG a multiple of 31. Servers
// that send "deflate" as a raw RFC 1951 stream (old IIS, some frameworks) fail this test.
bool LooksLikeZlib(std::string_view in) noexcept {
    if (in.size() < 2) return false;
    const auto cmf = static_cast<unsigned char>(in[0]);
    const auto flg = static_cast<unsigned char>(in[1]);
    return (cmf & 0x0F) == 8 && (cmf >> 4) <= 7 && ((cmf << 8) | flg) % 31 == 0;
}

std::string SizeLimitText(std::size_t max) {
    if (max >= (1u << 20) && max % (1u << 20) == 0) return std::to_string(max >> 20) + " MiB";
    return std::to_string(max) + " bytes";
}

}  // namespace

ContentCoding ParseContentCoding(std::string_view token) noexcept {
    token = Trim(token);
    if (HeaderNameEquals(token, "gzip") || HeaderNameEquals(token, "x-gzip")) return ContentCoding::kGzip;
    if (HeaderNameEquals(token, "deflate")) return ContentCoding::kDeflate;
    if (HeaderNameEquals(token, "br")) return ContentCoding::kBrotli;
    if (HeaderNameEquals(token, "identity") || token.empty()) return ContentCoding::kIdentity;
    return ContentCoding::kUnknown;
}

bool ParseContentEncoding(std::string_view value, std::vector<ContentCoding>* codings, std::size_t max) {
    codings->clear();
    while (!value.empty()) {
        const std::size_t comma = value.find(',');
        const ContentCoding c = ParseContentCoding(value.substr(0, comma));
        if (c != ContentCoding::kIdentity) {
            if (codings->size() == max) return false;
            codings->push_back(c);
        }
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    return true;
}

bool NeedsDecoding(std::string_view content_encoding) noexcept {
    bool known = false;
    while (!content_encoding.empty()) {
        const std::size_t comma = content_encoding.find(',');
        switch (ParseContentCoding(content_encoding.substr(0, comma))) {
            case ContentCoding::kUnknown: return false;
            case ContentCoding::kIdentity: break;
            default: known = true;
        }
        if (comma == std::string_view::npos) break;
        content_encoding.remove_prefix(comma + 1);
    }
    return known;
}

ContentDecoder::ContentDecoder(std::size_t max_output) noexcept : max_output_(max_output) {}

ContentDecoder::~ContentDecoder() {
    if (zs_ != nullptr) {
        inflateEnd(zs_);
        delete zs_;
    }
}

bool ContentDecoder::Decode(std::string_view content_encoding, std::string_view body, std::string_view* out) {
    error_.clear();
    *out = body;
    if (!NeedsDecoding(content_encoding)) return true;
    if (!ParseContentEncoding(content_encoding, &codings_)) {
        error_ = "Content-Encoding '" + std::string(content_encoding) + "' stacks too many codings";
        return false;
    }
    int next = 0;
    for (auto it = codings_.rbegin(); it != codings_.rend(); ++it) {
        std::string* buf = &buffers_[next];
        const bool ok = *it == ContentCoding::kBrotli ? Unbrotli(*out, buf) : Inflate(*it, *out, buf);
        if (!ok) return false;
        *out = *buf;
        next ^= 1;
    }
    return true;
}

// The buffer grows up to one byte past the limit: a body of exactly max_output_ bytes still ends (zlib may need
// room to say so), one byte more is over it.
bool ContentDecoder::Grow(std::string* out, std::size_t used, std::string_view coding) {
    if (used > max_output_) {
        error_ = std::string(coding) + ": the decoded body exceeds " + SizeLimitText(max_output_);
        return false;
    }
    out->resize(std::min(std::max(used * 2, kFirstOutput), max_output_ + 1));
    return true;
}

bool ContentDecoder::Inflate(ContentCoding coding, std::string_view in, std::string* out) {
    const std::string_view name = CodingName(coding);
    // gzip: 16 + 15 (gzip wrapper, 32 KiB window); deflate: the zlib wrapper RFC 9110 names, or a raw stream.
    const int window_bits = coding == ContentCoding::kGzip ? 16 + MAX_WBITS
                            : LooksLikeZlib(in)            ? MAX_WBITS
                                                           : -MAX_WBITS;
    if (zs_ == nullptr) {
        zs_ = new z_stream{};
        if (inflateInit2(zs_, window_bits) != Z_OK) {
            delete zs_;
            zs_ = nullptr;
            error_ = std::string(name) + ": cannot initialise zlib";
            return false;
        }
    } else if (inflateReset2(zs_, window_bits) != Z_OK) {
        error_ = std::string(name) + ": cannot reset zlib";
        return false;
    }
    std::size_t used = 0;
    if (out->size() < kFirstOutput) out->resize(std::min(kFirstOutput, max_output_ + 1));
    const auto* next_in = reinterpret_cast<const Bytef*>(in.data());
    std::size_t left_in = in.size();
    for (;;) {
        if (used == out->size() && !Grow(out, used, name)) return false;
        // avail_in/avail_out are 32-bit: feed at most 1 GiB at a time.
        constexpr std::size_t kStep = std::size_t{1} << 30;
        zs_->next_in = const_cast<Bytef*>(next_in);
        zs_->avail_in = static_cast<uInt>(std::min(left_in, kStep));
        zs_->next_out = reinterpret_cast<Bytef*>(out->data() + used);
        zs_->avail_out = static_cast<uInt>(std::min(out->size() - used, kStep));
        const uInt in_before = zs_->avail_in;
        const uInt out_before = zs_->avail_out;
        const int rc = inflate(zs_, Z_NO_FLUSH);
        next_in += in_before - zs_->avail_in;
        left_in -= in_before - zs_->avail_in;
        used += out_before - zs_->avail_out;
        if (rc == Z_STREAM_END) {
            // A gzip body may hold several members (RFC 1952 2.2): go on with the next one; other trailing bytes
            // (padding some servers add) are ignored, as curl does.
            if (coding == ContentCoding::kGzip && left_in >= 2 && next_in[0] == 0x1f && next_in[1] == 0x8b) {
                inflateReset(zs_);
                continue;
            }
            break;
        }
        if (rc == Z_OK) continue;
        if (rc == Z_BUF_ERROR && zs_->avail_out == 0) continue;  // output full: grow and go on
        if (rc == Z_BUF_ERROR && left_in == 0) {
            error_ = std::string(name) + ": the stream is truncated";
            return false;
        }
        error_ = std::string(name) + ": " + (zs_->msg != nullptr ? zs_->msg : "invalid compressed data");
        return false;
    }
    if (used > max_output_) return Grow(out, used, name);  // over the limit by the last byte: fails, says why
    out->resize(used);
    return true;
}

bool ContentDecoder::Unbrotli(std::string_view in, std::string* out) {
    // Brotli 1.0 has no reset: a decoder instance per body (a few allocations, on a body the script reads).
    BrotliDecoderState* s = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
    if (s == nullptr) {
        error_ = "br: cannot create a decoder";
        return false;
    }
    if (out->size() < kFirstOutput) out->resize(std::min(kFirstOutput, max_output_ + 1));
    std::size_t used = 0;
    const auto* next_in = reinterpret_cast<const std::uint8_t*>(in.data());
    std::size_t avail_in = in.size();
    bool ok = false;
    for (;;) {
        if (used == out->size() && !Grow(out, used, "br")) break;
        auto* next_out = reinterpret_cast<std::uint8_t*>(out->data() + used);
        std::size_t avail_out = out->size() - used;
        const std::size_t room = avail_out;
        const BrotliDecoderResult rc =
            BrotliDecoderDecompressStream(s, &avail_in, &next_in, &avail_out, &next_out, nullptr);
        used += room - avail_out;
        if (rc == BROTLI_DECODER_RESULT_SUCCESS) {
            ok = true;
            break;
        }
        if (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) continue;
        if (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) {
            error_ = "br: the stream is truncated";
            break;
        }
        error_ = std::string("br: ") + BrotliDecoderErrorString(BrotliDecoderGetErrorCode(s));
        break;
    }
    BrotliDecoderDestroyInstance(s);
    if (ok && used > max_output_) ok = Grow(out, used, "br");  // over the limit by the last byte: fails
    if (ok) out->resize(used);
    return ok;
}

}  // namespace lse::http
