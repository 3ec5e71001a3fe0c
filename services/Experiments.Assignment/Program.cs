var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();

var app = builder.Build();
app.MapServiceDefaults();
app.Run();

public partial class Program;
