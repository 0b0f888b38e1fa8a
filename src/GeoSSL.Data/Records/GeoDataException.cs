namespace GeoSSL.Data.Records;

/// <summary>Bad input data; the message names the row, column and/or file at fault.</summary>
// Thrown through the public API from an internal layer, so users catch it as what ML.NET throws for bad input at Fit,
// an InvalidOperationException, and read the row, column and file from Exception.Data ("Row", "Column", "File").
internal sealed class GeoDataException : InvalidOperationException
{
    public long? Row { get; }
    public string? Column { get; }
    public string? FilePath { get; }

    public GeoDataException(string message, long? row = null, string? column = null, string? filePath = null, Exception? inner = null)
        : base(message, inner)
    {
        Row = row;
        Column = column;
        FilePath = filePath;
        if (row is not null) Data["Row"] = row.Value;
        if (column is not null) Data["Column"] = column;
        if (filePath is not null) Data["File"] = filePath;
    }
}
