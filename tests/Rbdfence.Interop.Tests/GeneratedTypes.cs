using System;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;

namespace Rbdfence.Interop.Tests;

/// <summary>Finds generated binding types by C name and measures their managed layout.</summary>
internal static class GeneratedTypes
{
    public static readonly Assembly Bindings = typeof(LibRbd).Assembly;

    public static Type? Find(string cName) => Bindings.GetType("Rbdfence.Interop." + cName);

    public static int SizeOf(Type type) =>
        (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(type).Invoke(null, null)!;

    /// <summary>
    /// The byte offset of <paramref name="field"/> as the runtime lays it out: the address of
    /// the field minus the address of the struct, computed by a tiny dynamic method
    /// (<c>ldloca; ldflda; ldloca; sub</c>), which is what native code sees through a pointer.
    /// </summary>
    public static long OffsetOf(Type type, FieldInfo field)
    {
        var method = new DynamicMethod("OffsetOf_" + type.Name + "_" + field.Name, typeof(nint), Type.EmptyTypes, typeof(GeneratedTypes).Module, skipVisibility: true);
        var il = method.GetILGenerator();
        il.DeclareLocal(type);
        il.Emit(OpCodes.Ldloca_S, (byte)0);
        il.Emit(OpCodes.Ldflda, field);
        il.Emit(OpCodes.Ldloca_S, (byte)0);
        il.Emit(OpCodes.Sub);
        il.Emit(OpCodes.Ret);
        return (nint)method.Invoke(null, null)!;
    }

    public static FieldInfo? Field(Type type, string cName) =>
        type.GetField(cName, BindingFlags.Public | BindingFlags.Instance)
        ?? type.GetField(cName + "_", BindingFlags.Public | BindingFlags.Instance);

    public static bool IsReferenceOrContainsReferences(Type type) =>
        (bool)typeof(RuntimeHelpers).GetMethod(nameof(RuntimeHelpers.IsReferenceOrContainsReferences))!
            .MakeGenericMethod(type).Invoke(null, null)!;
}
