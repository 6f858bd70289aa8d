using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;

namespace Rbdfence.HeaderScraper.Clang;

/// <summary>Small managed helpers over <see cref="Interop"/>: strings, children, locations.</summary>
internal static unsafe class Native
{
    public static string ToManaged(CXString s)
    {
        try
        {
            byte* p = Interop.clang_getCString(s);
            return p == null ? "" : Marshal.PtrToStringUTF8((nint)p) ?? "";
        }
        finally
        {
            Interop.clang_disposeString(s);
        }
    }

    public static string Spelling(CXCursor cursor) => ToManaged(Interop.clang_getCursorSpelling(cursor));

    public static string Spelling(CXType type) => ToManaged(Interop.clang_getTypeSpelling(type));

    public static bool IsNull(CXCursor cursor) => cursor.Data0 == 0 && cursor.Data1 == 0 && cursor.Data2 == 0;

    /// <summary>The direct children of <paramref name="parent"/>, in source order.</summary>
    public static List<CXCursor> Children(CXCursor parent)
    {
        var children = new List<CXCursor>();
        var handle = GCHandle.Alloc(children);
        try
        {
            Interop.clang_visitChildren(parent, &Visit, GCHandle.ToIntPtr(handle));
        }
        finally
        {
            handle.Free();
        }
        return children;
    }

    [UnmanagedCallersOnly]
    private static int Visit(CXCursor cursor, CXCursor parent, nint clientData)
    {
        var children = (List<CXCursor>)GCHandle.FromIntPtr(clientData).Target!;
        children.Add(cursor);
        return 1; // CXChildVisit_Continue
    }

    /// <summary>File name (as clang opened it) and byte offset of a location; file is "" for built-ins.</summary>
    public static (string File, uint Offset) Location(CXSourceLocation location)
    {
        nint file;
        uint line, column, offset;
        Interop.clang_getSpellingLocation(location, &file, &line, &column, &offset);
        return (file == 0 ? "" : ToManaged(Interop.clang_getFileName(file)), offset);
    }

    public static (string File, uint Offset) Location(CXCursor cursor) =>
        Location(Interop.clang_getCursorLocation(cursor));

    /// <summary>A key identifying a declaration across redeclarations: where its first declaration is.</summary>
    public static string DeclarationKey(CXCursor cursor)
    {
        var (file, offset) = Location(Interop.clang_getCanonicalCursor(cursor));
        return file + ":" + offset.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public static byte[] NullTerminated(string s)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }
}
