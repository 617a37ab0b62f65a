#pragma once
/// @file
/// A strict reader of the Prometheus text format 0.0.4 for tests: it parses what the exporter wrote
/// back into samples, so tests check values instead of substrings, and it rejects any line that a
/// Prometheus server would reject (bad names, bad escapes, samples outside their family).

#include <map>
#include <string>
#include <vector>

namespace lse::prometheus::testing {

struct Sample {
    std::string name;                           ///< with suffix (_bucket, _sum, _count)
    std::map<std::string, std::string> labels;  ///< values unescaped
    double value = 0;
};

struct Exposition {
    std::map<std::string, std::string> types;  ///< family -> counter|gauge|histogram
    std::map<std::string, std::string> helps;
    std::vector<Sample> samples;

    /// Samples named `name` whose labels include all of `match`.
    std::vector<Sample> Find(const std::string& name, const std::map<std::string, std::string>& match = {}) const;
    /// The value of the only such sample; fails the calling test (ADD_FAILURE) and returns -1 otherwise.
    double Value(const std::string& name, const std::map<std::string, std::string>& match = {}) const;
};

/// Returns false with *error (line number and reason) on any malformed line, a HELP/TYPE given twice,
/// a sample whose family has no TYPE or whose family's samples are not contiguous, or a duplicate series.
bool ParseExposition(const std::string& text, Exposition* out, std::string* error);

}  // namespace lse::prometheus::testing
