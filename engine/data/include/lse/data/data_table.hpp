#pragma once
/// @file
/// A data file's rows (lsengine.data.csv / .json), loaded once per process and then only read, so every worker
/// thread uses the same table without a lock or a copy. Cells are text (as CSV gives them); a JSON file's cells
/// also remember their JSON kind, so a number stays a number in Lua and in a JSON body.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lse::data {

enum class CellKind : std::uint8_t {
    kString,
    kNumber,  ///< text is the number as the file wrote it
    kBool,    ///< text is "true" or "false"
    kNull,    ///< text is empty
    kJson,    ///< a nested array or object: text is its JSON
    kCount
};

class DataTable {
public:
    DataTable() = default;
    explicit DataTable(std::vector<std::string> columns) : columns_(std::move(columns)) {}

    const std::vector<std::string>& Columns() const noexcept { return columns_; }
    std::size_t ColumnCount() const noexcept { return columns_.size(); }
    std::size_t RowCount() const noexcept { return columns_.empty() ? 0 : cells_.size() / columns_.size(); }
    /// The column named `name`, or -1.
    int ColumnIndex(std::string_view name) const noexcept;

    std::string_view Cell(std::size_t row, std::size_t column) const noexcept {
        return cells_[row * columns_.size() + column];
    }
    CellKind Kind(std::size_t row, std::size_t column) const noexcept {
        return kinds_[row * columns_.size() + column];
    }

    /// Appends a row of ColumnCount() cells (missing cells are empty strings, extra ones are dropped).
    void AddRow(std::vector<std::string> cells, std::vector<CellKind> kinds = {});

    /// Rows [begin, end) as a table of their own (an agent's slice).
    DataTable Slice(std::size_t begin, std::size_t end) const;

    bool operator==(const DataTable&) const = default;

    /// Raw storage, row-major (the plan codec writes and reads it).
    const std::vector<std::string>& Cells() const noexcept { return cells_; }
    const std::vector<CellKind>& Kinds() const noexcept { return kinds_; }
    /// Rebuilds a table from raw storage; false when the sizes do not agree.
    static bool FromRaw(std::vector<std::string> columns, std::vector<std::string> cells, std::vector<CellKind> kinds,
                        DataTable* out);

private:
    std::vector<std::string> columns_;
    std::vector<std::string> cells_;
    std::vector<CellKind> kinds_;
};

struct CsvOptions {
    bool header = true;    ///< the first record names the columns; false: columns are "1".."N"
    char separator = ',';
};

/// Parses CSV text (RFC 4180: quoted fields, "" inside quotes, CRLF or LF line ends, a final line end optional).
/// Empty lines are skipped. `source` names the file in errors. Throws lse::UsageError "<source>:<line>: ..." for an
/// unterminated quote, text after a closing quote, or a record with more fields than the header.
DataTable ParseCsv(std::string_view text, const CsvOptions& options, const std::string& source);

/// Parses a JSON document that is an array of objects (columns: every key, in order of first appearance; a key a
/// row lacks is null) or an array of scalars (one column, "value"). Nested values become their JSON text (kJson).
/// Throws lse::UsageError naming `source` and the position (line, column) of a syntax error, or what is wrong.
DataTable ParseJsonRows(std::string_view text, const std::string& source);

/// Reads a whole file; lse::UsageError naming it when it cannot be read.
std::string ReadDataFile(const std::string& path);

}  // namespace lse::data
