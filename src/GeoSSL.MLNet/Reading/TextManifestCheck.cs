using GeoSSL.Data.Records;
using Microsoft.ML;

namespace GeoSSL.MLNet.Reading;

/// <summary>
/// Checks a manifest loaded with <c>LoadFromTextFile</c> against its file, for three mistakes ML.NET's text loader lets
/// through silently: it maps columns by position (LoadColumn), not by header name, so a file without one column shifts
/// the others into the wrong properties; it reads an empty number as 0, a valid coordinate; and it ignores extra fields,
/// so a decimal comma ('54,5' in a comma-separated file) splits a cell and shifts every cell after it.
/// Skipped when the file behind the view cannot be found (see <see cref="TextFileSource"/>).
/// </summary>
internal static class TextManifestCheck
{
    /// <summary>Each column used must be the header's field at its LoadColumn index, unless it was merely renamed.</summary>
    /// <param name="columns">Column name and the option naming it.</param>
    public static void CheckHeader(TextFileSource source, IReadOnlyList<(string Column, string Option)> columns)
    {
        if (source.Header is not { } header) return;
        string file = Path.GetFileName(source.Path);
        string listed = string.Join(", ", header);
        var known = source.LoadedColumns.ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var (column, option) in columns.Where(c => source.FieldOf(c.Column) is not null).OrderBy(c => source.FieldOf(c.Column)))
        {
            int field = source.FieldOf(column)!.Value;
            int named = Array.FindIndex(header, h => h.Trim().Equals(column, StringComparison.OrdinalIgnoreCase));
            if (named == field) continue;
            string where = $"'{column}' ({option}) is loaded from field {field + 1} (LoadColumn({field})) of '{file}'";
            if (field >= header.Length)
                throw new GeoDataException($"Column {where}, but the file's header has only {header.Length} fields: {listed}. " +
                    "The file lacks a column, or the LoadColumn indices do not match it.", column: column, filePath: source.Path);
            string actual = header[field].Trim();
            // A field of another name is a renamed column (e.g. 'lat' loaded as Latitude) unless that name is another column's
            // or this column's name is elsewhere in the header: then the indices are off, typically after a missing column.
            if (named < 0 && !known.Contains(actual)) continue;
            throw new GeoDataException(named < 0
                ? $"Column '{column}' ({option}) is not in the header of '{file}' ({listed}): its LoadColumn({field}) reads the file's '{actual}' column. " +
                  "Add the column to the file, or correct the LoadColumn indices of the class it is loaded with."
                : $"Column {where}, which the header names '{actual}'; '{column}' is field {named + 1} (LoadColumn({named})). " +
                  "Correct the LoadColumn indices of the class the file is loaded with.", column: column, filePath: source.Path);
        }
    }

    /// <summary>
    /// Rows must not have more fields than the header (trailing empty fields aside), and the <paramref name="numberColumns"/>
    /// must not be empty. Rows are numbered like the loader's (0-based, data rows only); when this reading of the file finds
    /// another number of rows than <paramref name="data"/> holds, the rows cannot be matched and nothing is checked.
    /// </summary>
    public static void CheckRows(TextFileSource source, IDataView data, IReadOnlyList<string> numberColumns)
    {
        long rows = 0;
        using (var cursor = data.GetRowCursor(Array.Empty<Microsoft.ML.DataViewSchema.Column>()))
            while (cursor.MoveNext()) rows++;
        if (source.DataLines().LongCount() != rows) return;
        string file = Path.GetFileName(source.Path);
        var numbers = numberColumns.Where(c => source.FieldOf(c) is not null).Select(c => (Column: c, Field: source.FieldOf(c)!.Value)).ToList();
        long row = 0;
        foreach (var (line, fields) in source.DataLines())
        {
            string at = $"Row {row} (line {line} of '{file}')";
            if (source.Header is { } header && fields.Length > header.Length && fields.Skip(header.Length).Any(f => f.Trim().Length > 0))
                throw new GeoDataException(
                    $"{at} has {fields.Length} fields, its header {header.Length}: a decimal comma (as in '54,5' in a comma-separated file) or " +
                    "a separator inside an unquoted cell splits the cell and shifts every cell after it. Write numbers with a decimal point, " +
                    "or quote such cells.", row, filePath: source.Path);
            foreach (var (column, field) in numbers)
                if (field >= fields.Length || fields[field].Trim().Length == 0)
                    throw new GeoDataException($"{at}: column '{column}' is empty; ML.NET's text loader reads an empty number as 0, " +
                        "which would pass for a real coordinate. Every image needs its coordinates.", row, column, source.Path);
            row++;
        }
    }
}
