#include "upload_routes.hpp"

#include <cctype>
#include <cstdio>

#include "lse/core/byte_codec.hpp"

namespace lse::demo {
namespace {

std::string Lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string_view Trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// The value of parameter `name` in a header value like `form-data; name="a"; filename="b.png"` (quoted or token).
std::optional<std::string> Param(std::string_view header, std::string_view name) {
    size_t pos = header.find(';');
    while (pos != std::string_view::npos) {
        std::string_view rest = Trim(header.substr(pos + 1));
        const size_t eq = rest.find('=');
        if (eq == std::string_view::npos) return std::nullopt;
        const std::string key = Lower(Trim(rest.substr(0, eq)));
        std::string_view value = rest.substr(eq + 1);
        std::string out;
        size_t consumed = 0;
        if (!value.empty() && value.front() == '"') {
            size_t i = 1;
            for (; i < value.size() && value[i] != '"'; ++i) {
                if (value[i] == '\\' && i + 1 < value.size()) ++i;
                out.push_back(value[i]);
            }
            consumed = i + 1;
        } else {
            consumed = value.find(';');
            out = std::string(Trim(value.substr(0, consumed)));
        }
        if (key == name) return out;
        if (consumed >= value.size()) return std::nullopt;
        pos = static_cast<size_t>(value.data() + consumed - header.data());
        pos = header.find(';', pos);
    }
    return std::nullopt;
}

std::string Hex(std::uint64_t v) {
    char buf[17];
    std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(v));
    return buf;
}

}  // namespace

std::string MultipartBoundary(std::string_view content_type) {
    const std::string type = Lower(Trim(content_type.substr(0, content_type.find(';'))));
    if (type != "multipart/form-data") return "";
    return Param(content_type, "boundary").value_or("");
}

bool ParseMultipart(std::string_view body, std::string_view boundary, std::vector<FormPart>* parts,
                    std::string* error) {
    const std::string delimiter = "--" + std::string(boundary);
    if (body.substr(0, delimiter.size()) != delimiter) {
        *error = "the body does not start with the boundary";
        return false;
    }
    size_t pos = delimiter.size();
    const std::string next_delimiter = "\r\n" + delimiter;
    while (true) {
        if (body.substr(pos, 2) == "--") return true;  // the close delimiter
        if (body.substr(pos, 2) != "\r\n") {
            *error = "a boundary line is not followed by CRLF";
            return false;
        }
        pos += 2;
        const size_t headers_end = body.find("\r\n\r\n", pos);
        if (headers_end == std::string_view::npos) {
            *error = "a part's headers do not end";
            return false;
        }
        FormPart part;
        bool has_disposition = false;
        std::string_view headers = body.substr(pos, headers_end - pos);
        while (!headers.empty()) {
            const size_t eol = headers.find("\r\n");
            const std::string_view line = headers.substr(0, eol);
            headers = eol == std::string_view::npos ? std::string_view() : headers.substr(eol + 2);
            const size_t colon = line.find(':');
            if (colon == std::string_view::npos) {
                *error = "a part header has no ':'";
                return false;
            }
            const std::string name = Lower(Trim(line.substr(0, colon)));
            const std::string_view value = Trim(line.substr(colon + 1));
            if (name == "content-disposition") {
                if (Lower(Trim(value.substr(0, value.find(';')))) != "form-data") {
                    *error = "a part's Content-Disposition is not form-data";
                    return false;
                }
                std::optional<std::string> field = Param(value, "name");
                if (!field) {
                    *error = "a part has no name";
                    return false;
                }
                part.name = *field;
                part.filename = Param(value, "filename");
                has_disposition = true;
            } else if (name == "content-type") {
                part.content_type = std::string(value);
            }
        }
        if (!has_disposition) {
            *error = "a part has no Content-Disposition";
            return false;
        }
        pos = headers_end + 4;
        const size_t end = body.find(next_delimiter, pos);
        if (end == std::string_view::npos) {
            *error = "a part does not end with the boundary";
            return false;
        }
        part.content = body.substr(pos, end - pos);
        parts->push_back(std::move(part));
        pos = end + next_delimiter.size();
    }
}

std::optional<Answer> UploadRoutes::Handle(const Request& request) {
    if (request.Path() != "/upload") return std::nullopt;
    if (request.method != "POST") return Answer{405, "application/json", "{\"error\":\"use POST\"}", ""};
    const std::string boundary = MultipartBoundary(request.Header("content-type"));
    std::vector<FormPart> parts;
    std::string error = boundary.empty() ? "Content-Type is not multipart/form-data with a boundary" : "";
    if (boundary.empty() || !ParseMultipart(request.body, boundary, &parts, &error)) {
        ++rejected_;
        return Answer{400, "application/json", nlohmann::json{{"error", error}}.dump(), ""};
    }
    ++received_;
    nlohmann::json out = nlohmann::json::array();
    for (const FormPart& p : parts) {
        const std::string hash = Hex(Fnv1a64(p.content));
        nlohmann::json j = {{"name", p.name}, {"size", p.content.size()}, {"fnv1a", hash}};
        if (p.filename) j["filename"] = *p.filename;
        if (p.content_type) j["content_type"] = *p.content_type;
        out.push_back(std::move(j));
        ++parts_["name=" + p.name + " filename=" + p.filename.value_or("-") + " type=" +
                 p.content_type.value_or("-") + " size=" + std::to_string(p.content.size()) + " fnv1a=" + hash];
    }
    const nlohmann::json reply = {{"parts", out}};
    return Answer{200, "application/json", reply.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), ""};
}

nlohmann::json UploadRoutes::ToJson() const {
    return {{"uploads", {{"received", received_}, {"rejected", rejected_}, {"parts", parts_}}}};
}

void UploadRoutes::Reset() {
    received_ = 0;
    rejected_ = 0;
    parts_.clear();
}

}  // namespace lse::demo
