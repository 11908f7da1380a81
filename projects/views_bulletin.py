from django.http import Http404


def archive(request, year):
    raise Http404("not built yet")


def bulletin(request, year, month):
    raise Http404("not built yet")
