namespace GeoSSL.Data.Records;

/// <summary>Bad input data; the message names the row, column and/or file at fault.</summary>
internal sealed class GeoDataException : Exception
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
    }
}
