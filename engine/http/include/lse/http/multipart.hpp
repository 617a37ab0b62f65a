#pragma once
/// @file
/// multipart/form-data request bodies (RFC 7578): the bytes behind a script's `files = { ... }` option.
///
/// Files are read once per process (UploadFileCache) and shared read-only by every worker thread; building a body
/// copies their bytes into the request's reused body buffer, so a request costs a copy, never a read.
///
/// The boundary is derived from the parts' content (FNV-1a), not drawn at random: the same parts give the same
/// bytes on every request, which keeps captured plans deduplicated and runs reproducible. A boundary that occurs
/// in any part's content is never used (the next candidate is tried), as RFC 2046 5.1.1 requires.

#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lse::http {

/// A file's bytes, loaded once and never changed.
struct FileBytes {
    std::string bytes;
    std::uint64_t hash = 0;  ///< Fnv1a64(bytes): mixes the file into the boundary without reading it again
};

/// One part of a multipart/form-data body.
struct MultipartPart {
    std::string name;          ///< the form field's name
    bool is_file = false;      ///< a file part: carries filename and Content-Type
    std::string filename;      ///< file parts: the filename parameter
    std::string content_type;  ///< file parts: the part's Content-Type
    std::string value;         ///< a plain field's text, or an inline file's bytes (file == nullptr)
    std::shared_ptr<const FileBytes> file;  ///< a file part read from disk; null: `value` holds the bytes

    std::string_view Content() const noexcept { return file ? std::string_view(file->bytes) : std::string_view(value); }
};

/// The Content-Type of a multipart body: "multipart/form-data; boundary=" followed by the boundary.
inline constexpr std::string_view kMultipartContentTypePrefix = "multipart/form-data; boundary=";

/// Writes the body of `parts` (in the given order) into *body and its Content-Type header value into
/// *content_type, reusing both strings' capacity. Names and filenames are quoted with '"', CR and LF escaped
/// as %22, %0D and %0A (the WHATWG form encoding browsers use). Throws std::invalid_argument when a part's
/// content_type contains CR or LF (it would end the part's header).
void BuildMultipartBody(const std::vector<MultipartPart>& parts, std::size_t count, std::string* body,
                        std::string* content_type);

/// A request body as text for a terminal (--dry-run listings): bytes that are not printable text (control bytes
/// but tab and line feed, DEL, bytes outside valid UTF-8) appear as \xNN, and a CR before a LF is left out, so an
/// uploaded image cannot garble the terminal and a multipart body reads line by line.
std::string DisplayBody(std::string_view body);

/// Files of uploads, each read once per process and kept until it exits: a run's workers, its capture and its
/// dry run all share one copy. Thread-safe; a hit takes a shared lock and allocates nothing.
class UploadFileCache {
public:
    /// The bytes of the file at `path` (opened as given: the caller resolves it). Throws std::runtime_error
    /// naming the path and the reason when it cannot be read.
    std::shared_ptr<const FileBytes> Get(std::string_view path);
    /// Files read from disk so far (tests check that a file is read once).
    std::size_t Reads() const;

    /// The process-wide cache the Lua binding uses.
    static UploadFileCache& Process();

private:
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    mutable std::shared_mutex mu_;
    std::unordered_map<std::string, std::shared_ptr<const FileBytes>, Hash, std::equal_to<>> files_;
    std::size_t reads_ = 0;
};

}  // namespace lse::http
