var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddStatistics();
builder.AddDashboard();

var app = builder.Build();
app.MapServiceDefaults();
app.MapStatistics();
app.Run();

public partial class Program;
