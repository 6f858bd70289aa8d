// The handful of libclang entry points the scraper needs, declared by hand. This is the
// bootstrap: every other native binding in rbdfence is generated from the metadata this
// tool writes. Signatures follow clang-c/Index.h and clang-c/CXString.h (LLVM 22).
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

[assembly: DisableRuntimeMarshalling]

namespace Rbdfence.HeaderScraper.Clang;

internal struct CXString
{
    public nint Data;
    public uint PrivateFlags;
}

internal struct CXCursor
{
    public int Kind;
    public int XData;
    public nint Data0;
    public nint Data1;
    public nint Data2;
}

internal struct CXType
{
    public int Kind;
    public nint Data0;
    public nint Data1;
}

internal struct CXSourceLocation
{
    public nint Ptr0;
    public nint Ptr1;
    public uint IntData;
}

internal struct CXSourceRange
{
    public nint Ptr0;
    public nint Ptr1;
    public uint BeginIntData;
    public uint EndIntData;
}

internal unsafe struct CXUnsavedFile
{
    public byte* Filename;
    public byte* Contents;
    public nuint Length;
}

internal static unsafe partial class Interop
{
    private const string Lib = "libclang";

    // CXTranslationUnit_Flags
    public const uint DetailedPreprocessingRecord = 0x01;
    public const uint SkipFunctionBodies = 0x40;

    // CXCursorKind
    public const int CursorStructDecl = 2;
    public const int CursorUnionDecl = 3;
    public const int CursorEnumDecl = 5;
    public const int CursorFieldDecl = 6;
    public const int CursorEnumConstantDecl = 7;
    public const int CursorFunctionDecl = 8;
    public const int CursorVarDecl = 9;
    public const int CursorParmDecl = 10;
    public const int CursorTypedefDecl = 20;
    public const int CursorMacroDefinition = 501;

    // CXTypeKind
    public const int TypeInvalid = 0;
    public const int TypeVoid = 2;
    public const int TypeBool = 3;
    public const int TypeCharU = 4;
    public const int TypeUChar = 5;
    public const int TypeUShort = 8;
    public const int TypeUInt = 9;
    public const int TypeULong = 10;
    public const int TypeULongLong = 11;
    public const int TypeCharS = 13;
    public const int TypeSChar = 14;
    public const int TypeShort = 16;
    public const int TypeInt = 17;
    public const int TypeLong = 18;
    public const int TypeLongLong = 19;
    public const int TypeFloat = 21;
    public const int TypeDouble = 22;
    public const int TypePointer = 101;
    public const int TypeRecord = 105;
    public const int TypeEnum = 106;
    public const int TypeTypedef = 107;
    public const int TypeFunctionNoProto = 110;
    public const int TypeFunctionProto = 111;
    public const int TypeConstantArray = 112;
    public const int TypeIncompleteArray = 114;
    public const int TypeElaborated = 119;
    public const int TypeAttributed = 163;

    // CXAvailabilityKind, CXEvalResultKind
    public const int AvailabilityDeprecated = 1;
    public const int EvalInt = 1;

    [LibraryImport(Lib, EntryPoint = "clang_getCString")]
    public static partial byte* clang_getCString(CXString s);

    [LibraryImport(Lib, EntryPoint = "clang_disposeString")]
    public static partial void clang_disposeString(CXString s);

    [LibraryImport(Lib, EntryPoint = "clang_createIndex")]
    public static partial nint clang_createIndex(int excludeDeclarationsFromPch, int displayDiagnostics);

    [LibraryImport(Lib, EntryPoint = "clang_disposeIndex")]
    public static partial void clang_disposeIndex(nint index);

    [LibraryImport(Lib, EntryPoint = "clang_parseTranslationUnit2")]
    public static partial int clang_parseTranslationUnit2(
        nint index, byte* sourceFilename, byte** commandLineArgs, int numCommandLineArgs,
        CXUnsavedFile* unsavedFiles, uint numUnsavedFiles, uint options, nint* outTu);

    [LibraryImport(Lib, EntryPoint = "clang_disposeTranslationUnit")]
    public static partial void clang_disposeTranslationUnit(nint tu);

    [LibraryImport(Lib, EntryPoint = "clang_getNumDiagnostics")]
    public static partial uint clang_getNumDiagnostics(nint tu);

    [LibraryImport(Lib, EntryPoint = "clang_getDiagnostic")]
    public static partial nint clang_getDiagnostic(nint tu, uint index);

    [LibraryImport(Lib, EntryPoint = "clang_defaultDiagnosticDisplayOptions")]
    public static partial uint clang_defaultDiagnosticDisplayOptions();

    [LibraryImport(Lib, EntryPoint = "clang_formatDiagnostic")]
    public static partial CXString clang_formatDiagnostic(nint diagnostic, uint options);

    [LibraryImport(Lib, EntryPoint = "clang_disposeDiagnostic")]
    public static partial void clang_disposeDiagnostic(nint diagnostic);

    [LibraryImport(Lib, EntryPoint = "clang_getTranslationUnitCursor")]
    public static partial CXCursor clang_getTranslationUnitCursor(nint tu);

    [LibraryImport(Lib, EntryPoint = "clang_visitChildren")]
    public static partial uint clang_visitChildren(
        CXCursor parent, delegate* unmanaged<CXCursor, CXCursor, nint, int> visitor, nint clientData);

    [LibraryImport(Lib, EntryPoint = "clang_getCursorKind")]
    public static partial int clang_getCursorKind(CXCursor cursor);

    [LibraryImport(Lib, EntryPoint = "clang_getCursorSpelling")]
    public static partial CXString clang_getCursorSpelling(CXCursor cursor);

    [LibraryImport(Lib, EntryPoint = "clang_getCursorType")]
    public static partial CXType clang_getCursorType(CXCursor cursor);

    [LibraryImport(Lib, EntryPoint = "clang_getCursorExtent")]
    public static partial CXSourceRange clang_getCursorExtent(CXCursor cursor);

    [LibraryImport(Lib, EntryPoint = "clang_getCursorLocation")]
    public static partial CXSourceLocation clang_getCursorLocation(CXCursor cursor);

    [LibraryImport(Lib, EntryPoint = "clang_getRangeStart")]
    public static partial CXSourceLocation clang_getRangeStart(CXSourceRange range);

    [LibraryImport(Lib, EntryPoint = "clang_getRangeEnd")]
    public static partial CXSourceLocation clang_getRangeEnd(CXSourceRange range);

    [LibraryImport(Lib, EntryPoint = "clang_getSpellingLocation")]
    public static partial void clang_getSpellingLocation(
        CXSourceLocation location, nint* file, uint* line, uint* column, uint* offset);

    [LibraryImport(Lib, EntryPoint = "clang_getFileName")]
    public static partial CXString clang_getFileName(nint file);

    [LibraryImport(Lib, EntryPoint = "clang_equalCursors")]
    public static partial uint clang_equalCursors(CXCursor a, CXCursor b);

    [LibraryImport(Lib, EntryPoint = "clang_isCursorDefinition")]
    public static partial uint clang_isCursorDefinition(CXCursor cursor);

    [LibraryImport(Lib, EntryPoint = "clang_getCursorDefinition")]
    public static partial CXCursor clang_getCursorDefinition(CXCursor cursor);

    [LibraryImport(Lib, EntryPoint = "clang_getCanonicalCursor")]
    public static partial CXCursor clang_getCanonicalCursor(CXCursor cursor);


    [LibraryImport(Lib, EntryPoint = "clang_getCursorAvailability")]
    public static partial int clang_getCursorAvailability(CXCursor cursor);

    [LibraryImport(Lib, EntryPoint = "clang_Cursor_isMacroFunctionLike")]
    public static partial uint clang_Cursor_isMacroFunctionLike(CXCursor cursor);

    [LibraryImport(Lib, EntryPoint = "clang_Cursor_getNumArguments")]
    public static partial int clang_Cursor_getNumArguments(CXCursor cursor);

    [LibraryImport(Lib, EntryPoint = "clang_Cursor_getArgument")]
    public static partial CXCursor clang_Cursor_getArgument(CXCursor cursor, uint index);

    [LibraryImport(Lib, EntryPoint = "clang_Cursor_isBitField")]
    public static partial uint clang_Cursor_isBitField(CXCursor cursor);

    [LibraryImport(Lib, EntryPoint = "clang_getFieldDeclBitWidth")]
    public static partial int clang_getFieldDeclBitWidth(CXCursor cursor);

    [LibraryImport(Lib, EntryPoint = "clang_Cursor_getOffsetOfField")]
    public static partial long clang_Cursor_getOffsetOfField(CXCursor cursor);

    [LibraryImport(Lib, EntryPoint = "clang_getEnumDeclIntegerType")]
    public static partial CXType clang_getEnumDeclIntegerType(CXCursor cursor);

    [LibraryImport(Lib, EntryPoint = "clang_getEnumConstantDeclValue")]
    public static partial long clang_getEnumConstantDeclValue(CXCursor cursor);

    [LibraryImport(Lib, EntryPoint = "clang_getEnumConstantDeclUnsignedValue")]
    public static partial ulong clang_getEnumConstantDeclUnsignedValue(CXCursor cursor);

    [LibraryImport(Lib, EntryPoint = "clang_getTypedefDeclUnderlyingType")]
    public static partial CXType clang_getTypedefDeclUnderlyingType(CXCursor cursor);

    [LibraryImport(Lib, EntryPoint = "clang_Cursor_Evaluate")]
    public static partial nint clang_Cursor_Evaluate(CXCursor cursor);

    [LibraryImport(Lib, EntryPoint = "clang_EvalResult_getKind")]
    public static partial int clang_EvalResult_getKind(nint result);

    [LibraryImport(Lib, EntryPoint = "clang_EvalResult_isUnsignedInt")]
    public static partial uint clang_EvalResult_isUnsignedInt(nint result);

    [LibraryImport(Lib, EntryPoint = "clang_EvalResult_getAsUnsigned")]
    public static partial ulong clang_EvalResult_getAsUnsigned(nint result);

    [LibraryImport(Lib, EntryPoint = "clang_EvalResult_getAsLongLong")]
    public static partial long clang_EvalResult_getAsLongLong(nint result);

    [LibraryImport(Lib, EntryPoint = "clang_EvalResult_dispose")]
    public static partial void clang_EvalResult_dispose(nint result);

    [LibraryImport(Lib, EntryPoint = "clang_getTypeSpelling")]
    public static partial CXString clang_getTypeSpelling(CXType type);

    [LibraryImport(Lib, EntryPoint = "clang_getCanonicalType")]
    public static partial CXType clang_getCanonicalType(CXType type);

    [LibraryImport(Lib, EntryPoint = "clang_isConstQualifiedType")]
    public static partial uint clang_isConstQualifiedType(CXType type);

    [LibraryImport(Lib, EntryPoint = "clang_getPointeeType")]
    public static partial CXType clang_getPointeeType(CXType type);

    [LibraryImport(Lib, EntryPoint = "clang_getArrayElementType")]
    public static partial CXType clang_getArrayElementType(CXType type);

    [LibraryImport(Lib, EntryPoint = "clang_getArraySize")]
    public static partial long clang_getArraySize(CXType type);

    [LibraryImport(Lib, EntryPoint = "clang_Type_getNamedType")]
    public static partial CXType clang_Type_getNamedType(CXType type);

    [LibraryImport(Lib, EntryPoint = "clang_Type_getModifiedType")]
    public static partial CXType clang_Type_getModifiedType(CXType type);

    [LibraryImport(Lib, EntryPoint = "clang_getTypeDeclaration")]
    public static partial CXCursor clang_getTypeDeclaration(CXType type);

    [LibraryImport(Lib, EntryPoint = "clang_getTypedefName")]
    public static partial CXString clang_getTypedefName(CXType type);

    [LibraryImport(Lib, EntryPoint = "clang_getResultType")]
    public static partial CXType clang_getResultType(CXType type);

    [LibraryImport(Lib, EntryPoint = "clang_getNumArgTypes")]
    public static partial int clang_getNumArgTypes(CXType type);

    [LibraryImport(Lib, EntryPoint = "clang_getArgType")]
    public static partial CXType clang_getArgType(CXType type, uint index);

    [LibraryImport(Lib, EntryPoint = "clang_isFunctionTypeVariadic")]
    public static partial uint clang_isFunctionTypeVariadic(CXType type);

    [LibraryImport(Lib, EntryPoint = "clang_Type_getSizeOf")]
    public static partial long clang_Type_getSizeOf(CXType type);

    [LibraryImport(Lib, EntryPoint = "clang_Type_getAlignOf")]
    public static partial long clang_Type_getAlignOf(CXType type);
}
