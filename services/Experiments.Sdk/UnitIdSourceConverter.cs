using System.ComponentModel;
using System.Globalization;

namespace Experiments.Sdk;

/// <summary>Lets configuration binding read <see cref="UnitIdSource"/> from <c>header:NAME</c>, <c>claim:TYPE</c> or <c>metadata:KEY</c>.</summary>
internal sealed class UnitIdSourceConverter : TypeConverter
{
    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) =>
        sourceType == typeof(string) || base.CanConvertFrom(context, sourceType);

    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        value is string text ? UnitIdSource.Parse(text) : base.ConvertFrom(context, culture, value);
}
