#include "exposition_parser.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <set>
#include <sstream>

namespace lse::prometheus::testing {
namespace {

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

bool ReadName(const std::string& s, size_t* i, std::string* name) {
    if (*i >= s.size() || !IsNameStart(s[*i])) return false;
    const size_t start = *i;
    while (*i < s.size() && IsNameChar(s[*i])) ++*i;
    *name = s.substr(start, *i - start);
    return true;
}

// The family a sample belongs to: histogram and summary parts map to their base name.
std::string FamilyOf(const std::string& name, const std::map<std::string, std::string>& types) {
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        const std::string s(suffix);
        if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
            const std::string base = name.substr(0, name.size() - s.size());
            auto it = types.find(base);
            if (it != types.end() && (it->second == "histogram" || (it->second == "summary" && s != "_bucket"))) {
                return base;
            }
        }
    }
    return name;
}

bool ParseSample(const std::string& line, Sample* out, std::string* why) {
    size_t i = 0;
    if (!ReadName(line, &i, &out->name)) return *why = "bad metric name", false;
    if (i < line.size() && line[i] == '{') {
        ++i;
        while (true) {
            if (i < line.size() && line[i] == '}') {
                ++i;
                break;
            }
            std::string label;
            if (!ReadName(line, &i, &label)) return *why = "bad label name", false;
            if (line.compare(i, 2, "=\"") != 0) return *why = "expected =\" after label name", false;
            i += 2;
            std::string value;
            while (true) {
                if (i >= line.size()) return *why = "unterminated label value", false;
                const char c = line[i++];
                if (c == '"') break;
                if (c == '\\') {
                    if (i >= line.size()) return *why = "dangling backslash", false;
                    const char e = line[i++];
                    if (e == 'n') {
                        value += '\n';
                    } else if (e == '\\' || e == '"') {
                        value += e;
                    } else {
                        return *why = "bad escape", false;
                    }
                } else {
                    value += c;
                }
            }
            if (!out->labels.emplace(label, value).second) return *why = "label given twice", false;
            if (i < line.size() && line[i] == ',') {
                ++i;
            } else if (i >= line.size() || line[i] != '}') {
                return *why = "expected , or }", false;
            }
        }
    }
    if (i >= line.size() || line[i] != ' ') return *why = "expected a space before the value", false;
    const std::string value = line.substr(i + 1);
    if (value == "+Inf") {
        out->value = HUGE_VAL;
    } else if (value == "-Inf") {
        out->value = -HUGE_VAL;
    } else {
        char* end = nullptr;
        out->value = std::strtod(value.c_str(), &end);
        if (value.empty() || *end != '\0') return *why = "bad value '" + value + "'", false;
    }
    return true;
}

}  // namespace

std::vector<Sample> Exposition::Find(const std::string& name, const std::map<std::string, std::string>& match) const {
    std::vector<Sample> found;
    for (const Sample& s : samples) {
        if (s.name != name) continue;
        bool all = true;
        for (const auto& [k, v] : match) {
            auto it = s.labels.find(k);
            all = all && it != s.labels.end() && it->second == v;
        }
        if (all) found.push_back(s);
    }
    return found;
}

double Exposition::Value(const std::string& name, const std::map<std::string, std::string>& match) const {
    const std::vector<Sample> found = Find(name, match);
    if (found.size() != 1) {
        ADD_FAILURE() << found.size() << " samples of " << name << " match";
        return -1;
    }
    return found[0].value;
}

bool ParseExposition(const std::string& text, Exposition* out, std::string* error) {
    *out = Exposition{};
    if (!text.empty() && text.back() != '\n') return *error = "text does not end with a newline", false;
    std::istringstream in(text);
    std::string line;
    int number = 0;
    std::set<std::string> finished_families;
    std::string current_family;
    std::set<std::string> series;
    while (std::getline(in, line)) {
        ++number;
        const auto fail = [&](const std::string& why) {
            *error = "line " + std::to_string(number) + ": " + why + ": " + line;
            return false;
        };
        if (line.empty()) continue;
        if (line[0] == '#') {
            std::istringstream words(line);
            std::string hash, keyword, name;
            words >> hash >> keyword >> name;
            if (keyword != "HELP" && keyword != "TYPE") continue;  // a plain comment
            std::string rest;
            std::getline(words, rest);
            if (!rest.empty() && rest[0] == ' ') rest.erase(0, 1);
            auto& dict = keyword == "HELP" ? out->helps : out->types;
            if (!dict.emplace(name, rest).second) return fail(keyword + " given twice");
            if (keyword == "TYPE" && rest != "counter" && rest != "gauge" && rest != "histogram" &&
                rest != "summary" && rest != "untyped") {
                return fail("unknown type");
            }
            continue;
        }
        Sample s;
        std::string why;
        if (!ParseSample(line, &s, &why)) return fail(why);
        const std::string family = FamilyOf(s.name, out->types);
        if (out->types.count(family) == 0) return fail("sample without a TYPE for " + family);
        if (family != current_family) {
            if (finished_families.count(family) != 0) return fail("samples of " + family + " are not contiguous");
            if (!current_family.empty()) finished_families.insert(current_family);
            current_family = family;
        }
        std::string id = s.name;
        for (const auto& [k, v] : s.labels) id += "\x1f" + k + "=" + v;
        if (!series.insert(id).second) return fail("duplicate series");
        out->samples.push_back(std::move(s));
    }
    return true;
}

}  // namespace lse::prometheus::testing
