#include "lse/http/multipart.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <stdexcept>

#include "lse/core/byte_codec.hpp"

namespace lse::http {
namespace {

constexpr std::string_view kBoundaryPrefix = "----lsengine-";
constexpr std::uint64_t kFnvPrime = 0x100000001b3ULL;

std::uint64_t Mix(std::uint64_t hash, std::string_view bytes) noexcept {
    for (char c : bytes) {
        hash ^= static_cast<unsigned char>(c);
        hash *= kFnvPrime;
    }
    return hash;
}

std::uint64_t MixU64(std::uint64_t hash, std::uint64_t v) noexcept {
    for (int i = 0; i < 8; ++i) {
        hash ^= (v >> (i * 8)) & 0xff;
        hash *= kFnvPrime;
    }
    return hash;
}

// The parts' identity: what the boundary is derived from. A file's bytes enter through its stored hash.
std::uint64_t PartsHash(const std::vector<MultipartPart>& parts, std::size_t count) noexcept {
    std::uint64_t hash = Fnv1a64("");
    for (std::size_t i = 0; i < count; ++i) {
        const MultipartPart& p = parts[i];
        hash = MixU64(Mix(hash, p.name), p.name.size());
        hash = MixU64(Mix(hash, p.filename), p.filename.size());
        hash = MixU64(Mix(hash, p.content_type), p.content_type.size());
        hash = p.file ? MixU64(hash, p.file->hash) : MixU64(Mix(hash, p.value), p.value.size());
    }
    return hash;
}

// "----lsengine-" + 16 hex digits: 29 characters, within RFC 2046's 70.
void WriteBoundary(std::uint64_t hash, std::string* out) {
    static constexpr char kHex[] = "0123456789abcdef";
    out->assign(kBoundaryPrefix);
    for (int shift = 60; shift >= 0; shift -= 4) out->push_back(kHex[(hash >> shift) & 0xf]);
}

bool OccursIn(std::string_view haystack, std::string_view boundary) {
    if (haystack.size() < boundary.size()) return false;
    return std::search(haystack.begin(), haystack.end(),
                       std::boyer_moore_horspool_searcher(boundary.begin(), boundary.end())) != haystack.end();
}

bool OccursInAny(const std::vector<MultipartPart>& parts, std::size_t count, std::string_view boundary) {
    for (std::size_t i = 0; i < count; ++i) {
        if (OccursIn(parts[i].Content(), boundary)) return true;
    }
    return false;
}

// A quoted-string parameter value as browsers write it: '"', CR and LF percent-encoded, the rest as is (UTF-8).
void AppendQuoted(std::string_view text, std::string* out) {
    out->push_back('"');
    for (char c : text) {
        if (c == '"') {
            out->append("%22");
        } else if (c == '\r') {
            out->append("%0D");
        } else if (c == '\n') {
            out->append("%0A");
        } else {
            out->push_back(c);
        }
    }
    out->push_back('"');
}

}  // namespace

void BuildMultipartBody(const std::vector<MultipartPart>& parts, std::size_t count, std::string* body,
                        std::string* content_type) {
    for (std::size_t i = 0; i < count; ++i) {
        if (parts[i].content_type.find_first_of("\r\n") != std::string::npos) {
            throw std::invalid_argument("the content_type of part '" + parts[i].name + "' contains a line break");
        }
    }
    // The candidate boundaries are a fixed sequence for the parts, so the body is the same on every request.
    std::uint64_t hash = PartsHash(parts, count);
    content_type->assign(kMultipartContentTypePrefix);
    WriteBoundary(hash, body);
    while (OccursInAny(parts, count, *body)) {
        hash = MixU64(hash, hash);
        WriteBoundary(hash, body);
    }
    content_type->append(*body);
    const std::string_view boundary =
        std::string_view(*content_type).substr(kMultipartContentTypePrefix.size());

    body->clear();
    for (std::size_t i = 0; i < count; ++i) {
        const MultipartPart& p = parts[i];
        body->append("--").append(boundary).append("\r\nContent-Disposition: form-data; name=");
        AppendQuoted(p.name, body);
        if (p.is_file) {
            body->append("; filename=");
            AppendQuoted(p.filename, body);
            body->append("\r\nContent-Type: ").append(p.content_type);
        }
        body->append("\r\n\r\n").append(p.Content()).append("\r\n");
    }
    body->append("--").append(boundary).append("--\r\n");
}

namespace {

// Length of the valid UTF-8 sequence (2..4 bytes, no overlongs, surrogates or values past U+10FFFF) at the start
// of `s`, or 0.
std::size_t Utf8SequenceLength(std::string_view s) {
    const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    const auto cont = [&](std::size_t i) { return i < s.size() && (b(i) & 0xc0) == 0x80; };
    const unsigned char c = b(0);
    if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        if (!cont(1) || !cont(2)) return 0;
        if ((c == 0xe0 && b(1) < 0xa0) || (c == 0xed && b(1) > 0x9f)) return 0;
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if (!cont(1) || !cont(2) || !cont(3)) return 0;
        if ((c == 0xf0 && b(1) < 0x90) || (c == 0xf4 && b(1) > 0x8f)) return 0;
        return 4;
    }
    return 0;
}

}  // namespace

std::string DisplayBody(std::string_view body) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(body.size());
    for (std::size_t i = 0; i < body.size();) {
        const unsigned char c = static_cast<unsigned char>(body[i]);
        if (c == '\r' && i + 1 < body.size() && body[i + 1] == '\n') {
            ++i;
        } else if (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f)) {
            out.push_back(static_cast<char>(c));
            ++i;
        } else if (const std::size_t n = c >= 0x80 ? Utf8SequenceLength(body.substr(i)) : 0; n > 0) {
            out.append(body.substr(i, n));
            i += n;
        } else {
            out.append("\\x").push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xf]);
            ++i;
        }
    }
    return out;
}

std::shared_ptr<const FileBytes> UploadFileCache::Get(std::string_view path) {
    {
        std::shared_lock lock(mu_);
        auto it = files_.find(path);
        if (it != files_.end()) return it->second;
    }
    const std::string name(path);
    auto file = std::make_shared<FileBytes>();
    std::FILE* f = std::fopen(name.c_str(), "rb");
    if (f == nullptr) throw std::runtime_error("cannot read '" + name + "': " + std::strerror(errno));
    char buf[65536];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) file->bytes.append(buf, n);
    const bool failed = std::ferror(f) != 0;
    const int error = errno;
    std::fclose(f);
    if (failed) throw std::runtime_error("cannot read '" + name + "': " + std::strerror(error));
    file->hash = Fnv1a64(file->bytes);

    std::unique_lock lock(mu_);
    auto [it, inserted] = files_.emplace(name, std::move(file));  // a racing reader may have stored it first
    if (inserted) ++reads_;
    return it->second;
}

std::size_t UploadFileCache::Reads() const {
    std::shared_lock lock(mu_);
    return reads_;
}

UploadFileCache& UploadFileCache::Process() {
    static UploadFileCache cache;
    return cache;
}

}  // namespace lse::http
