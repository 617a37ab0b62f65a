#include "lse/html_report/html_escape.hpp"

#include "lse/core/redact.hpp"

namespace lse::html_report {

std::string HtmlEscape(std::string_view text) {
    std::string redacted;  // -e/--env-file secrets (issue 15): masked before escaping
    if (HasSecretValues()) text = redacted = RedactSecretValues(text);
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default:
                // Names may carry the stat-key separator or other raw bytes: never let them reach the page.
                out += (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f ? '?' : c;
        }
    }
    return out;
}

std::string JsonForScript(const nlohmann::json& value) {
    // -e/--env-file secrets (issue 15): the dump is searched for their JSON spellings.
    const std::string dumped = RedactSecretValues(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    std::string out;
    out.reserve(dumped.size() + 64);
    // These characters appear only inside JSON strings (never in its syntax), where \u escapes are valid.
    for (char c : dumped) {
        switch (c) {
            case '<': out += "\\u003c"; break;
            case '>': out += "\\u003e"; break;
            case '&': out += "\\u0026"; break;
            default: out += c;
        }
    }
    return out;
}

}  // namespace lse::html_report
