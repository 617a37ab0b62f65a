#include <string>

#include "lse/core/errors.hpp"
#include "lse/data/data_table.hpp"

namespace lse::data {
namespace {

// One pass over the text, record by record (RFC 4180). A quoted field may span lines, so the line a record
// starts on is what errors name.
class CsvReader {
public:
    CsvReader(std::string_view text, char separator, const std::string& source)
        : text_(text), sep_(separator), source_(source) {}

    bool AtEnd() const noexcept { return pos_ >= text_.size(); }
    int RecordLine() const noexcept { return record_line_; }

    // Reads one record into *fields; false at the end of the text. An empty line gives an empty record.
    bool Next(std::vector<std::string>* fields) {
        fields->clear();
        if (AtEnd()) return false;
        record_line_ = line_;
        if (EndOfLine()) {  // an empty line
            SkipLineEnd();
            return true;
        }
        while (true) {
            fields->push_back(Field());
            if (AtEnd()) return true;
            if (EndOfLine()) {
                SkipLineEnd();
                return true;
            }
            ++pos_;  // the separator
            if (AtEnd()) {  // "a,b," at the end of the text: a last empty field
                fields->emplace_back();
                return true;
            }
        }
    }

    [[noreturn]] void Fail(int line, const std::string& what) const {
        throw UsageError(source_ + ":" + std::to_string(line) + ": " + what);
    }

private:
    bool EndOfLine() const noexcept { return text_[pos_] == '\n' || text_[pos_] == '\r'; }
    void SkipLineEnd() noexcept {
        if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
        ++pos_;
        ++line_;
    }

    std::string Field() {
        std::string out;
        if (text_[pos_] != '"') {
            const std::size_t start = pos_;
            while (pos_ < text_.size() && text_[pos_] != sep_ && !EndOfLine()) {
                if (text_[pos_] == '"') Fail(line_, "a quote inside an unquoted field (quote the whole field and double the quote: \"a\"\"b\")");
                ++pos_;
            }
            out.assign(text_.substr(start, pos_ - start));
            return out;
        }
        const int opened_on = line_;
        ++pos_;
        while (true) {
            if (AtEnd()) Fail(opened_on, "a quoted field is not closed (its closing \" is missing)");
            const char c = text_[pos_++];
            if (c == '"') {
                if (pos_ < text_.size() && text_[pos_] == '"') {
                    out.push_back('"');
                    ++pos_;
                    continue;
                }
                if (!AtEnd() && text_[pos_] != sep_ && !EndOfLine()) {
                    Fail(line_, "text after a closing quote (a quote inside a quoted field is written \"\")");
                }
                return out;
            }
            if (c == '\n') ++line_;
            out.push_back(c);
        }
    }

    std::string_view text_;
    char sep_;
    const std::string& source_;
    std::size_t pos_ = 0;
    int line_ = 1;
    int record_line_ = 1;
};

}  // namespace

DataTable ParseCsv(std::string_view text, const CsvOptions& options, const std::string& source) {
    if (options.separator == '"' || options.separator == '\n' || options.separator == '\r') {
        throw UsageError(source + ": the separator cannot be a quote or a line end");
    }
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // a UTF-8 byte order mark (spreadsheets)
    CsvReader reader(text, options.separator, source);
    std::vector<std::string> fields;
    DataTable table;
    bool have_columns = false;
    while (reader.Next(&fields)) {
        if (fields.empty()) continue;
        if (!have_columns) {
            have_columns = true;
            std::vector<std::string> columns;
            if (options.header) {
                for (std::size_t i = 0; i < fields.size(); ++i) {
                    if (fields[i].empty()) reader.Fail(reader.RecordLine(), "column " + std::to_string(i + 1) + " of the header has no name");
                    for (std::size_t j = 0; j < i; ++j) {
                        if (fields[j] == fields[i]) reader.Fail(reader.RecordLine(), "the header names column '" + fields[i] + "' twice");
                    }
                }
                table = DataTable(fields);
                continue;
            }
            for (std::size_t i = 0; i < fields.size(); ++i) columns.push_back(std::to_string(i + 1));
            table = DataTable(std::move(columns));
        }
        if (fields.size() > table.ColumnCount()) {
            reader.Fail(reader.RecordLine(), "a record with " + std::to_string(fields.size()) + " fields, but " +
                                                 (options.header ? "the header names " : "the first record has ") +
                                                 std::to_string(table.ColumnCount()));
        }
        table.AddRow(fields);
    }
    return table;
}

}  // namespace lse::data
