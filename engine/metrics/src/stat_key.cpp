#include "lse/metrics/stat_key.hpp"

#include <vector>

#include "lse/metrics/tags.hpp"

namespace lse::metrics {

std::string MakeStatKey(StatKind kind, std::string_view scenario, std::string_view task, std::string_view name,
                        std::string_view group, std::string_view tags) {
    std::string key;
    key.reserve(6 + scenario.size() + task.size() + name.size() + group.size() + tags.size());
    key += static_cast<char>(kind);
    key += kStatKeySeparator;
    key += scenario;
    key += kStatKeySeparator;
    key += task;
    key += kStatKeySeparator;
    key += name;
    if (!group.empty() || !tags.empty()) {
        key += kStatKeySeparator;
        key += group;
    }
    if (!tags.empty()) {
        key += kStatKeySeparator;
        key += tags;
    }
    return key;
}

bool ParseStatKey(std::string_view key, StatKey* out) {
    if (key.size() < 4 || key[1] != kStatKeySeparator) return false;
    const char k = key[0];
    if (k != 'R' && k != 'T' && k != 'S' && k != 'C') return false;
    std::string_view rest = key.substr(2);
    const size_t a = rest.find(kStatKeySeparator);
    if (a == std::string_view::npos) return false;
    const size_t b = rest.find(kStatKeySeparator, a + 1);
    if (b == std::string_view::npos) return false;
    const size_t c = rest.find(kStatKeySeparator, b + 1);
    std::string_view group;
    std::string_view tags;
    if (c != std::string_view::npos) {
        group = rest.substr(c + 1);
        const size_t d = group.find(kStatKeySeparator);
        if (d != std::string_view::npos) {
            tags = group.substr(d + 1);
            group = group.substr(0, d);
            // Written only when there are tags, and canonical (so equal tag sets are one row).
            std::vector<Tag> pairs;
            if (tags.empty() || !ParseTags(tags, &pairs)) return false;
        }
        // Only request and check rows are grouped, only request rows tagged, and an empty group is written as no
        // field at all (unless tags follow).
        if ((k != 'R' && k != 'C') || (!tags.empty() && k != 'R') || (group.empty() && tags.empty())) return false;
    }
    out->kind = static_cast<StatKind>(k);
    out->scenario = std::string(rest.substr(0, a));
    out->task = std::string(rest.substr(a + 1, b - a - 1));
    out->name = std::string(rest.substr(b + 1, c == std::string_view::npos ? std::string_view::npos : c - b - 1));
    out->group = std::string(group);
    out->tags = std::string(tags);
    return true;
}

std::string ManyRequestNamesWarning(std::string_view task, std::size_t names, std::string_view example, bool capped) {
    std::string text = "task '" + std::string(task) + "' produced " + (capped ? "more than " : "") +
                       std::to_string(capped ? kMaxRequestNamesPerTask : names) + " request names";
    if (!example.empty()) text += " (e.g. '" + std::string(example) + "')";
    if (capped) text += "; past " + std::to_string(kMaxRequestNamesPerTask) + " they are counted under '" +
                        std::string(kOtherRequestName) + "'";
    text += "; group them with name=..., e.g. http:get(\"/items/\" .. id, { name = \"GET /items/{id}\" })";
    return text;
}

}  // namespace lse::metrics
