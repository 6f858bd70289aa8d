// Every generated binding is blittable, so LibraryImport needs no marshalling code and the
// runtime never marshals behind our back.
[assembly: System.Runtime.CompilerServices.DisableRuntimeMarshalling]
