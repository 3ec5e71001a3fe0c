var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddAssignment();

var app = builder.Build();
app.MapServiceDefaults();
app.MapAssignment();
app.Run();

public partial class Program;
