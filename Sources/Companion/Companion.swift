public enum CompanionModule {}
