from django.http import Http404


def updates(request, year):
    raise Http404("not built yet")


def open_data(request):
    raise Http404("not built yet")


def reports_csv(request):
    raise Http404("not built yet")
