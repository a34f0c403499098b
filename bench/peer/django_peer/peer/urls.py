from django.urls import path

from peer import views

urlpatterns = [
    path("track", views.track, name="track"),
    path("procedures", views.procedures, name="procedures"),
    path("api/v1/track", views.track_api, name="track_api"),
]
