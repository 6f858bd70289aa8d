using System;
using System.Collections.Generic;
using System.Linq;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Rbdfence.Vm.Tests;

/// <summary>The position of a test in its class: the guests are shared, and booting them costs a minute.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class StepAttribute(int number) : Attribute
{
    public int Number { get; } = number;
}

/// <summary>Runs a class's tests in <see cref="StepAttribute"/> order.</summary>
public sealed class StepOrderer : ITestCaseOrderer
{
    public const string Name = "Rbdfence.Vm.Tests.StepOrderer";

    public const string Assembly = "Rbdfence.Vm.Tests";

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases)
        where TTestCase : ITestCase =>
        testCases.OrderBy(testCase => StepOf(testCase));

    private static int StepOf(ITestCase testCase) =>
        testCase.TestMethod.Method.GetCustomAttributes(typeof(StepAttribute).AssemblyQualifiedName!)
            .Select(a => a.GetConstructorArguments().Cast<int>().First())
            .DefaultIfEmpty(int.MaxValue)
            .First();
}
