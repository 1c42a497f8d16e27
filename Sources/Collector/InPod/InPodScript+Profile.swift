extension InPodScript.Options {
    /// The script's arguments for a collection profile: its output cap and its
    /// gather list (the profiles' items are the script's section names).
    public init(profile: CollectionProfile, terminationLogPath: String? = "/dev/termination-log") {
        self.init(
            outputCapBytes: profile.outputCapBytes,
            sections: Set(profile.gather.compactMap { InPodScript.Section(rawValue: $0.rawValue) }),
            terminationLogPath: terminationLogPath
        )
    }
}
