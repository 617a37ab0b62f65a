#include "lse/metrics/tags.hpp"

#include <algorithm>

namespace lse::metrics {
namespace {

bool IsKeyStart(char c) noexcept { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool IsKeyChar(char c) noexcept { return IsKeyStart(c) || (c >= '0' && c <= '9'); }

}  // namespace

std::string ReservedTagKeyList() {
    std::string list;
    for (std::string_view k : kReservedTagKeys) {
        if (!list.empty()) list += ", ";
        list += k;
    }
    return list;
}

std::string TagKeyProblem(std::string_view key) {
    if (key.empty()) return "a tag key is empty";
    if (key.size() > kMaxTagKeyBytes) {
        return "tag key '" + std::string(key.substr(0, kMaxTagKeyBytes)) + "...' is longer than " +
               std::to_string(kMaxTagKeyBytes) + " bytes";
    }
    if (!IsKeyStart(key[0]) || !std::all_of(key.begin(), key.end(), IsKeyChar)) {
        std::string shown;
        for (char c : key) shown += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
        return "tag key '" + shown + "' is not a name ([A-Za-z_][A-Za-z0-9_]*)";
    }
    if (std::find(kReservedTagKeys.begin(), kReservedTagKeys.end(), key) != kReservedTagKeys.end()) {
        return "tag key '" + std::string(key) + "' is reserved (reserved keys: " + ReservedTagKeyList() + ")";
    }
    return {};
}

std::string TagValueProblem(std::string_view value) {
    if (value.size() > kMaxTagValueBytes) {
        return "a tag value is longer than " + std::to_string(kMaxTagValueBytes) + " bytes";
    }
    for (char c : value) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return "a tag value contains a control character";
    }
    return {};
}

std::string CanonicalTags(std::vector<Tag> tags) {
    // stable: of two pairs with one key, the later one is kept below
    std::stable_sort(tags.begin(), tags.end(), [](const Tag& a, const Tag& b) { return a.first < b.first; });
    std::string out;
    for (std::size_t i = 0; i < tags.size(); ++i) {
        if (i + 1 < tags.size() && tags[i + 1].first == tags[i].first) continue;
        if (!out.empty()) out += kTagPairSeparator;
        out += tags[i].first;
        out += kTagValueSeparator;
        out += tags[i].second;
    }
    return out;
}

bool ParseTags(std::string_view canonical, std::vector<Tag>* out) {
    out->clear();
    if (canonical.empty()) return true;
    std::size_t at = 0;
    while (true) {
        const std::size_t end = canonical.find(kTagPairSeparator, at);
        const std::string_view pair = canonical.substr(at, end == std::string_view::npos ? end : end - at);
        const std::size_t eq = pair.find(kTagValueSeparator);
        if (eq == std::string_view::npos) return false;
        const std::string_view key = pair.substr(0, eq);
        const std::string_view value = pair.substr(eq + 1);
        if (!TagKeyProblem(key).empty() || !TagValueProblem(value).empty()) return false;
        if (!out->empty() && out->back().first >= key) return false;  // unsorted or a duplicate
        if (out->size() == kMaxTagsPerRequest) return false;
        out->emplace_back(std::string(key), std::string(value));
        if (end == std::string_view::npos) return true;
        at = end + 1;
    }
}

std::vector<Tag> SplitTags(std::string_view canonical) {
    std::vector<Tag> out;
    while (!canonical.empty()) {
        const std::size_t end = canonical.find(kTagPairSeparator);
        const std::string_view pair = canonical.substr(0, end);
        const std::size_t eq = pair.find(kTagValueSeparator);
        out.emplace_back(std::string(pair.substr(0, eq)),
                         eq == std::string_view::npos ? std::string() : std::string(pair.substr(eq + 1)));
        canonical = end == std::string_view::npos ? std::string_view() : canonical.substr(end + 1);
    }
    return out;
}

std::string TagsDisplay(std::string_view canonical) {
    if (canonical.empty()) return {};
    std::string out = "{";
    for (char c : canonical) {
        out += c == kTagPairSeparator ? ',' : c == kTagValueSeparator ? '=' : c;
    }
    out += '}';
    return out;
}

bool HasTag(std::string_view canonical, std::string_view key, std::string_view value) noexcept {
    std::size_t at = 0;
    while (at <= canonical.size() && !canonical.empty()) {
        std::size_t end = canonical.find(kTagPairSeparator, at);
        if (end == std::string_view::npos) end = canonical.size();
        const std::string_view pair = canonical.substr(at, end - at);
        if (pair.size() == key.size() + 1 + value.size() && pair.starts_with(key) &&
            pair[key.size()] == kTagValueSeparator && pair.ends_with(value)) {
            return true;
        }
        at = end + 1;
    }
    return false;
}

}  // namespace lse::metrics
