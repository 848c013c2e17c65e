// From the command line's IMAGE… arguments to the list of inputs and where each result
// goes. Everything that can be wrong with the paths is found here, before anything is
// sent: a missing file, a folder without images, two inputs that would write one file.

import ArgumentParser
import Foundation
import RecraftKit

struct PlannedInput: Sendable, Equatable {
    /// The input as the user wrote it (a folder's files: the folder as written, then the name).
    var display: String
    /// An absolute path, or the URL as given.
    var image: String
    var target: OutputTarget
}

struct BatchPlan {
    /// Its results are named after their inputs with its suffix (`photo.crisp-upscale.png`).
    var operation: RecraftKit.Operation
    /// `-o`: a file (one input) or a folder.
    var output: String?
    var force: Bool

    /// The image files a folder argument stands for (not recursive).
    static let folderExtensions: Set<String> = ["png", "jpg", "jpeg", "webp"]
    /// Suffixes of results this tool saves, so a folder's earlier results are not taken as inputs.
    static let resultSuffixes = RecraftKit.Operation.allCases.map(OutputName.suffix(for:))

    func inputs(_ arguments: [String]) throws -> [PlannedInput] {
        var sources: [(display: String, image: String, fromFolder: Bool)] = []
        var seen = Set<String>()
        for argument in arguments {
            for (display, image, fromFolder) in try expand(argument) where seen.insert(image).inserted {
                sources.append((display, image, fromFolder))
            }
        }
        guard !sources.isEmpty else { throw ValidationError("no input images: pass image files, folders of images or URLs") }
        let folder = try outputFolder(single: sources.count == 1 && !sources[0].fromFolder)
        var planned: [PlannedInput] = []
        var owners: [String: String] = [:]
        for source in sources {
            let target: OutputTarget
            if let output, folder == nil {
                let path = Paths.absolute(output)
                guard path != source.image else {
                    throw ValidationError("-o \(output) is the input itself: pick another file so the original is kept")
                }
                target = OutputTarget(path: path, exact: true, force: force)
            } else {
                let directory =
                    folder
                    ?? (isURL(source.image)
                        ? FileManager.default.currentDirectoryPath
                        : (source.image as NSString).deletingLastPathComponent)
                target = OutputTarget(
                    path: directory + "/" + OutputName.stem(input: source.image, operation: operation),
                    exact: false, force: force)
            }
            if let other = owners.updateValue(source.display, forKey: target.path) {
                throw ValidationError(
                    "\(other) and \(source.display) would both be saved as \(Paths.display(target.path)).*: "
                        + "run them separately, or with different -o folders")
            }
            planned.append(PlannedInput(display: source.display, image: source.image, target: target))
        }
        return planned
    }

    /// The folder results go to when `-o` names one (or must be one: several inputs),
    /// created if missing; nil when `-o` is a file or absent.
    private func outputFolder(single: Bool) throws -> String? {
        guard let output else { return nil }
        let path = Paths.absolute(output)
        let wantsFolder = !single || output.hasSuffix("/") || Paths.isDirectory(path)
        guard wantsFolder else { return nil }
        if Paths.exists(path) && !Paths.isDirectory(path) {
            throw ValidationError("-o \(output) is a file, but there are several inputs: pass a folder")
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw ValidationError("cannot create the output folder \(output): \(error.localizedDescription)")
        }
        return path
    }

    private func expand(_ argument: String) throws -> [(String, String, Bool)] {
        if isURL(argument) { return [(argument, argument, false)] }
        let path = Paths.absolute(argument)
        guard Paths.exists(path) else {
            throw ValidationError("no such file or folder: \(argument)")
        }
        guard Paths.isDirectory(path) else { return [(argument, path, false)] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        let images = names.filter(isFolderImage).sorted()
        guard !images.isEmpty else {
            throw ValidationError("no images in the folder \(argument) (it looks for .png, .jpg, .jpeg and .webp files, not in subfolders)")
        }
        let prefix = argument.hasSuffix("/") ? argument : argument + "/"
        return images.map { (prefix + $0, path + "/" + $0, true) }
    }

    private func isFolderImage(_ name: String) -> Bool {
        guard !name.hasPrefix("."), Self.folderExtensions.contains((name as NSString).pathExtension.lowercased()) else { return false }
        let stem = (name as NSString).deletingPathExtension
        return !Self.resultSuffixes.contains { stem.hasSuffix("." + $0) }
    }

    private func isURL(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("https://") || lower.hasPrefix("http://")
    }
}
