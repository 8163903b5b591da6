from django.urls import path

from feltbok.counts import views

app_name = "counts"
urlpatterns = [
    path("", views.campaigns, name="campaigns"),
    path("new/", views.create, name="create"),
    path("<uuid:code>/", views.campaign, name="campaign"),
    path("<uuid:code>/status/", views.status, name="status"),
    path("<uuid:code>/observe/", views.observe, name="observe"),
    path("<uuid:code>/bulk/", views.bulk, name="bulk"),
    path("<uuid:code>/paper/", views.paper, name="paper"),
    path("<uuid:code>/duplicates/", views.duplicates, name="duplicates"),
    path("<uuid:code>/merge/", views.merge, name="merge"),
    path("<uuid:code>/result/", views.result, name="result"),
    path("<uuid:code>/export/", views.export, name="export"),
    path("merges/<uuid:code>/undo/", views.unmerge, name="unmerge"),
]
