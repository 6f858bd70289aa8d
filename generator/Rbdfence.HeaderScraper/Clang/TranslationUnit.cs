using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace Rbdfence.HeaderScraper.Clang;

/// <summary>Thrown when clang reports anything at all: a scrape with diagnostics is not trusted.</summary>
internal sealed class ClangDiagnosticException(string message) : Exception(message);

/// <summary>One parsed in-memory C file. Any diagnostic, even a warning, fails the parse.</summary>
internal sealed unsafe class TranslationUnit : IDisposable
{
    private readonly nint _index;
    private nint _tu;

    private TranslationUnit(nint index, nint tu)
    {
        _index = index;
        _tu = tu;
    }

    public CXCursor Cursor => Interop.clang_getTranslationUnitCursor(_tu);

    public static TranslationUnit Parse(string fileName, string contents, IReadOnlyList<string> arguments, uint options)
    {
        nint index = Interop.clang_createIndex(0, 0);
        byte[] name = Native.NullTerminated(fileName);
        byte[] text = Native.NullTerminated(contents);
        byte[][] args = new byte[arguments.Count][];
        for (int i = 0; i < args.Length; i++)
        {
            args[i] = Native.NullTerminated(arguments[i]);
        }

        var pins = new List<GCHandle>();
        try
        {
            var argv = new byte*[args.Length];
            foreach (byte[] arg in args)
            {
                pins.Add(GCHandle.Alloc(arg, GCHandleType.Pinned));
            }
            for (int i = 0; i < args.Length; i++)
            {
                argv[i] = (byte*)pins[i].AddrOfPinnedObject();
            }

            nint tu;
            int error;
            fixed (byte* pName = name)
            fixed (byte* pText = text)
            fixed (byte** pArgv = argv)
            {
                var unsaved = new CXUnsavedFile { Filename = pName, Contents = pText, Length = (nuint)(text.Length - 1) };
                error = Interop.clang_parseTranslationUnit2(index, pName, pArgv, argv.Length, &unsaved, 1, options, &tu);
            }
            if (error != 0)
            {
                Interop.clang_disposeIndex(index);
                throw new ClangDiagnosticException($"libclang could not parse {fileName} (CXErrorCode {error})");
            }

            var unit = new TranslationUnit(index, tu);
            unit.ThrowOnDiagnostics(fileName);
            return unit;
        }
        finally
        {
            foreach (GCHandle pin in pins)
            {
                pin.Free();
            }
        }
    }

    private void ThrowOnDiagnostics(string fileName)
    {
        uint count = Interop.clang_getNumDiagnostics(_tu);
        if (count == 0)
        {
            return;
        }

        var lines = new List<string>();
        uint display = Interop.clang_defaultDiagnosticDisplayOptions();
        for (uint i = 0; i < count; i++)
        {
            nint diagnostic = Interop.clang_getDiagnostic(_tu, i);
            lines.Add(Native.ToManaged(Interop.clang_formatDiagnostic(diagnostic, display)));
            Interop.clang_disposeDiagnostic(diagnostic);
        }
        Dispose();
        throw new ClangDiagnosticException(
            $"clang reported {count} diagnostic(s) parsing {fileName}:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}");
    }

    public void Dispose()
    {
        if (_tu != 0)
        {
            Interop.clang_disposeTranslationUnit(_tu);
            Interop.clang_disposeIndex(_index);
            _tu = 0;
        }
    }
}
