#include "lse/data/data_table.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "lse/core/errors.hpp"

namespace lse::data {

int DataTable::ColumnIndex(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < columns_.size(); ++i) {
        if (columns_[i] == name) return static_cast<int>(i);
    }
    return -1;
}

void DataTable::AddRow(std::vector<std::string> cells, std::vector<CellKind> kinds) {
    cells.resize(columns_.size());
    kinds.resize(columns_.size(), CellKind::kString);
    for (std::size_t i = 0; i < columns_.size(); ++i) {
        cells_.push_back(std::move(cells[i]));
        kinds_.push_back(kinds[i]);
    }
}

DataTable DataTable::Slice(std::size_t begin, std::size_t end) const {
    DataTable out(columns_);
    end = std::min(end, RowCount());
    if (begin >= end) return out;
    const std::size_t n = columns_.size();
    out.cells_.assign(cells_.begin() + static_cast<std::ptrdiff_t>(begin * n),
                      cells_.begin() + static_cast<std::ptrdiff_t>(end * n));
    out.kinds_.assign(kinds_.begin() + static_cast<std::ptrdiff_t>(begin * n),
                      kinds_.begin() + static_cast<std::ptrdiff_t>(end * n));
    return out;
}

bool DataTable::FromRaw(std::vector<std::string> columns, std::vector<std::string> cells, std::vector<CellKind> kinds,
                        DataTable* out) {
    if (cells.size() != kinds.size()) return false;
    if (columns.empty() ? !cells.empty() : cells.size() % columns.size() != 0) return false;
    out->columns_ = std::move(columns);
    out->cells_ = std::move(cells);
    out->kinds_ = std::move(kinds);
    return true;
}

std::string ReadDataFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw UsageError("cannot open data file " + path + ": " + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw UsageError("cannot read data file " + path);
    return std::move(text).str();
}

}  // namespace lse::data
