#include <nlohmann/json.hpp>

#include "lse/core/errors.hpp"
#include "lse/data/data_table.hpp"

namespace lse::data {
namespace {

using Json = nlohmann::ordered_json;

// Line and column (1-based) of a byte offset, for a syntax error's message.
std::string Position(std::string_view text, std::size_t offset) {
    int line = 1;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            line_start = i + 1;
        }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(offset - line_start + 1);
}

std::pair<std::string, CellKind> ToCell(const Json& v) {
    switch (v.type()) {
        case Json::value_t::string: return {v.get<std::string>(), CellKind::kString};
        case Json::value_t::boolean: return {v.get<bool>() ? "true" : "false", CellKind::kBool};
        case Json::value_t::null: return {"", CellKind::kNull};
        case Json::value_t::number_integer:
        case Json::value_t::number_unsigned:
        case Json::value_t::number_float: return {v.dump(), CellKind::kNumber};
        default: return {v.dump(), CellKind::kJson};
    }
}

}  // namespace

DataTable ParseJsonRows(std::string_view text, const std::string& source) {
    Json doc;
    try {
        doc = Json::parse(text.begin(), text.end());
    } catch (const Json::parse_error& e) {
        const std::size_t at = e.byte > 0 ? e.byte - 1 : 0;
        std::string why = e.what();
        const auto colon = why.rfind(": ");
        throw UsageError(source + ": invalid JSON at " + Position(text, at) +
                         (colon != std::string::npos ? ": " + why.substr(colon + 2) : std::string()));
    }
    if (!doc.is_array()) {
        throw UsageError(source + ": a JSON data file must be an array (of objects, or of values); it is a " +
                         std::string(doc.type_name()));
    }
    bool objects = !doc.empty() && doc.front().is_object();
    for (std::size_t i = 0; i < doc.size(); ++i) {
        if (doc[i].is_object() != objects) {
            throw UsageError(source + ": element " + std::to_string(i + 1) + " of the array is " +
                             (objects ? "not an object" : "an object") + ", but element 1 is " +
                             (objects ? "an object" : "not") + " (the rows must all be objects, or all values)");
        }
    }
    if (!objects) {
        DataTable table({"value"});
        for (const Json& v : doc) {
            auto [cell, kind] = ToCell(v);
            table.AddRow({std::move(cell)}, {kind});
        }
        return table;
    }
    std::vector<std::string> columns;
    for (const Json& row : doc) {
        for (const auto& [key, value] : row.items()) {
            if (std::find(columns.begin(), columns.end(), key) == columns.end()) columns.push_back(key);
        }
    }
    DataTable table(columns);
    for (const Json& row : doc) {
        std::vector<std::string> cells(columns.size());
        std::vector<CellKind> kinds(columns.size(), CellKind::kNull);
        for (std::size_t c = 0; c < columns.size(); ++c) {
            auto it = row.find(columns[c]);
            if (it == row.end()) continue;
            std::tie(cells[c], kinds[c]) = ToCell(*it);
        }
        table.AddRow(std::move(cells), std::move(kinds));
    }
    return table;
}

}  // namespace lse::data
