using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Rbdfence.Interop.Generator.Metadata;

namespace Rbdfence.Interop.Generator;

internal sealed partial class Generator
{
    private readonly SortedSet<string> _selectedFunctions = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _selectedStructs = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _selectedEnums = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _selectedHandles = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _selectedCallbacks = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _selectedConstants = new(StringComparer.Ordinal);
    private readonly List<EnumInfo> _selectedAnonymousEnums = [];

    private bool IsSelectionEmpty =>
        _selectedFunctions.Count == 0 && _selectedStructs.Count == 0 && _selectedEnums.Count == 0
        && _selectedHandles.Count == 0 && _selectedCallbacks.Count == 0 && _selectedConstants.Count == 0
        && _selectedAnonymousEnums.Count == 0;

    private void Select(IReadOnlyList<NativeMethodsEntry> entries)
    {
        foreach (var entry in entries)
        {
            var text = entry.Text;
            if (text == "*")
            {
                SelectAll(entry, _ => true);
            }
            else if (text.EndsWith(".*", StringComparison.Ordinal))
            {
                var library = text.Substring(0, text.Length - 2);
                if (!Libraries.ContainsKey(library))
                {
                    Report(DiagnosticDescriptors.UnknownName, entry, text, _metadata.Release, " (known libraries: librados, librbd)");
                    continue;
                }

                foreach (var f in _metadata.Functions.Where(f => f.Library == library))
                {
                    SelectFunction(f, entry, explicitly: false);
                }
            }
            else if (text.EndsWith("*", StringComparison.Ordinal))
            {
                var prefix = text.Substring(0, text.Length - 1);
                if (!SelectAll(entry, name => name.StartsWith(prefix, StringComparison.Ordinal)))
                {
                    Report(DiagnosticDescriptors.EmptyWildcard, entry, text, _metadata.Release);
                }
            }
            else if (!SelectName(text, entry))
            {
                var closest = Levenshtein.Closest(text, AllNames());
                var hint = closest is null ? "" : ". Did you mean " + closest + "?";
                Report(DiagnosticDescriptors.UnknownName, entry, text, _metadata.Release, hint);
            }
        }
    }

    private IEnumerable<string> AllNames() =>
        _functions.Keys.Concat(_structs.Keys).Concat(_enums.Keys).Concat(_callbacks.Keys)
            .Concat(_typedefs.Keys).Concat(_constants.Keys).Concat(_enumConstants.Keys);

    /// <summary>Selects every item whose name matches; false when nothing matched.</summary>
    private bool SelectAll(NativeMethodsEntry entry, Func<string, bool> match)
    {
        var any = false;
        foreach (var f in _metadata.Functions.Where(f => match(f.Name)))
        {
            SelectFunction(f, entry, explicitly: false);
            any = true;
        }

        foreach (var name in _structs.Keys.Concat(_enums.Keys).Concat(_callbacks.Keys).Concat(_typedefs.Keys)
                     .Concat(_constants.Keys).Concat(_enumConstants.Keys).Where(match).ToList())
        {
            SelectName(name, entry);
            any = true;
        }

        return any;
    }

    private bool SelectName(string name, NativeMethodsEntry entry)
    {
        if (_functions.TryGetValue(name, out var function))
        {
            SelectFunction(function, entry, explicitly: true);
            return true;
        }

        if (_structs.TryGetValue(name, out var s))
        {
            SelectStruct(s, entry);
            return true;
        }

        if (_enums.TryGetValue(name, out var e))
        {
            SelectEnum(e);
            return true;
        }

        if (_callbacks.TryGetValue(name, out var callback))
        {
            SelectCallback(callback, entry);
            return true;
        }

        if (_typedefs.TryGetValue(name, out var typedef))
        {
            if (_handles.ContainsKey(name))
            {
                _selectedHandles.Add(name);
            }
            else
            {
                SelectType(typedef.Type, entry);
            }

            return true;
        }

        if (_constants.ContainsKey(name))
        {
            _selectedConstants.Add(name);
            return true;
        }

        if (_enumConstants.TryGetValue(name, out var owner))
        {
            SelectEnum(owner);
            return true;
        }

        return false;
    }

    private void SelectFunction(FunctionInfo function, NativeMethodsEntry entry, bool explicitly)
    {
        if (_selectedFunctions.Contains(function.Name))
        {
            return;
        }

        if (function.Variadic)
        {
            // Listed in the output as a comment; only an explicit request deserves a warning.
            _selectedFunctions.Add(function.Name);
            if (explicitly)
            {
                Report(DiagnosticDescriptors.Variadic, entry, function.Name);
            }

            return;
        }

        try
        {
            MapType(function.Returns);
            foreach (var p in function.Parameters)
            {
                MapType(p.Type);
            }
        }
        catch (UnmappableTypeException ex)
        {
            Report(DiagnosticDescriptors.Unmappable, entry, function.Name, ex.Message);
            return;
        }

        _selectedFunctions.Add(function.Name);
        SelectType(function.Returns, entry);
        foreach (var p in function.Parameters)
        {
            SelectType(p.Type, entry);
        }
    }

    private void SelectStruct(StructInfo s, NativeMethodsEntry entry)
    {
        if (!_selectedStructs.Add(s.Name))
        {
            return;
        }

        foreach (var field in s.Fields)
        {
            SelectType(field.Type, entry);
        }
    }

    private void SelectEnum(EnumInfo e)
    {
        if (e.IsAnonymous)
        {
            if (!_selectedAnonymousEnums.Contains(e))
            {
                _selectedAnonymousEnums.Add(e);
            }
        }
        else
        {
            _selectedEnums.Add(e.Name);
        }
    }

    private void SelectCallback(CallbackInfo callback, NativeMethodsEntry entry)
    {
        if (!_selectedCallbacks.Add(callback.Name))
        {
            return;
        }

        SelectType(callback.Returns, entry);
        foreach (var p in callback.Parameters)
        {
            SelectType(p.Type, entry);
        }
    }

    /// <summary>Adds every named type <paramref name="type"/> needs (transitively).</summary>
    private void SelectType(CType type, NativeMethodsEntry entry)
    {
        switch (type.Kind)
        {
            case "typedef":
                var name = type.Name ?? "";
                if (_callbacks.TryGetValue(name, out var callback))
                {
                    SelectCallback(callback, entry);
                }
                else if (_handles.ContainsKey(name))
                {
                    _selectedHandles.Add(name);
                }
                else if (WellKnownTypedefs.ContainsKey(name))
                {
                    // maps to a C# primitive
                }
                else if (_typedefs.TryGetValue(name, out var typedef))
                {
                    SelectType(typedef.Type, entry);
                }
                else if (type.Canonical is not null)
                {
                    SelectType(type.Canonical, entry);
                }

                break;
            case "pointer":
                SelectType(type.Pointee!, entry);
                break;
            case "array":
                SelectType(type.Element!, entry);
                break;
            case "struct":
            case "union":
                if (_structs.TryGetValue(type.Name ?? "", out var s))
                {
                    SelectStruct(s, entry);
                }

                break;
            case "enum":
                if (_enums.TryGetValue(type.Name ?? "", out var e))
                {
                    SelectEnum(e);
                }
                else if (_metadata.Enums.FirstOrDefault(x => x.Name == type.Name) is { } anonymous)
                {
                    SelectEnum(anonymous);
                }

                break;
            case "function":
                SelectType(type.Returns!, entry);
                foreach (var p in type.Parameters)
                {
                    SelectType(p, entry);
                }

                break;
        }
    }

    private void Report(DiagnosticDescriptor descriptor, NativeMethodsEntry entry, params object[] args) =>
        _diagnostics.Add(Diagnostic.Create(
            descriptor,
            Location.Create(entry.Path, entry.Span, entry.LineSpan),
            args));
}
