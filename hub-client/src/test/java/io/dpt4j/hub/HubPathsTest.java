package io.dpt4j.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HubPathsTest {
    @Test
    void namesRepoFolders() {
        assertEquals("models--Intel--dpt-large", HubPaths.repoFolderName("Intel/dpt-large", "model"));
        assertEquals("models--gpt2", HubPaths.repoFolderName("gpt2", "model"));
    }

    @Test
    void buildsUrlsLikeHuggingfaceHub() {
        assertEquals("https://huggingface.co/Intel/dpt-large/resolve/main/config.json",
                HubPaths.resolveUrl("https://huggingface.co/", "Intel/dpt-large", "main", "config.json"));
        assertEquals("http://h/o/n/resolve/refs%2Fpr%2F3/sub%20dir/a%2Bb.json",
                HubPaths.resolveUrl("http://h", "o/n", "refs/pr/3", "sub dir/a+b.json"));
        assertEquals("http://h/o/n/resolve/v1.0/%C3%A9t%C3%A9~_-.txt", HubPaths.resolveUrl("http://h", "o/n", "v1.0", "été~_-.txt"));
        assertEquals("http://h/api/models/o/n/revision/refs%2Fpr%2F1", HubPaths.modelInfoUrl("http://h", "o/n", "refs/pr/1"));
        assertEquals("http://h/api/models/o/n/tree/main?recursive=true&expand=false", HubPaths.treeUrl("http://h", "o/n", "main"));
    }

    @Test
    void recognisesCommitHashes() {
        assertTrue(HubPaths.isCommitHash("0123456789abcdef0123456789abcdef01234567"));
        assertFalse(HubPaths.isCommitHash("0123456"));
        assertFalse(HubPaths.isCommitHash("main"));
        assertFalse(HubPaths.isCommitHash("0123456789ABCDEF0123456789abcdef01234567"));
    }

    @Test
    void validatesIdsRevisionsAndFileNames() {
        HubPaths.validateRepoId("Intel/dpt-large");
        HubPaths.validateRepoId("gpt2");
        for (String bad : List.of("", "a/b/c", "a--b/c", "../x", "a/b.git", "a b/c", "/a")) {
            assertThrows(IllegalArgumentException.class, () -> HubPaths.validateRepoId(bad), bad);
        }
        HubPaths.validateRevision("refs/pr/12");
        for (String bad : List.of("", "../x", "a/../../b", "/abs", "a//b", "x/")) {
            assertThrows(IllegalArgumentException.class, () -> HubPaths.validateRevision(bad), bad);
        }
        HubPaths.validateRelativeFilename("sub/model.safetensors");
        for (String bad : List.of("", "/etc/passwd", "../x", "a/../../x", "C:\\x", "a\\b", "a//b", "./a")) {
            assertThrows(IllegalArgumentException.class, () -> HubPaths.validateRelativeFilename(bad), bad);
        }
    }

    @Test
    void fnmatchFollowsPython() {
        assertTrue(HubPaths.fnmatch("model.safetensors", "*.safetensors"));
        assertTrue(HubPaths.fnmatch("sub/model.safetensors", "*.safetensors")); // '*' crosses '/'
        assertTrue(HubPaths.fnmatch("a.json", "?.json"));
        assertFalse(HubPaths.fnmatch("ab.json", "?.json"));
        assertTrue(HubPaths.fnmatch("b1", "[abc][0-9]"));
        assertFalse(HubPaths.fnmatch("d1", "[abc][0-9]"));
        assertTrue(HubPaths.fnmatch("d1", "[!abc]1"));
        assertFalse(HubPaths.fnmatch("Model.JSON", "*.json")); // case-sensitive
        assertTrue(HubPaths.fnmatch("a.(x)+", "a.(x)+"));
        assertTrue(HubPaths.fnmatch("[", "["));
    }

    @Test
    void filtersRepoObjects() {
        List<String> files = List.of("config.json", "model.safetensors", "onnx/model.onnx", "README.md", ".gitattributes");
        assertEquals(List.of("config.json", "model.safetensors"),
                HubPaths.filterRepoObjects(files, List.of("*.json", "*.safetensors"), null));
        assertEquals(List.of("onnx/model.onnx"), HubPaths.filterRepoObjects(files, List.of("onnx/"), null));
        assertEquals(List.of("config.json", "model.safetensors", "README.md"),
                HubPaths.filterRepoObjects(files, null, List.of("onnx/", ".*")));
        assertEquals(files, HubPaths.filterRepoObjects(files, null, null));
    }

    @Test
    void joinsSubfolders() {
        assertEquals("config.json", HubPaths.joinSubfolder(null, "config.json"));
        assertEquals("config.json", HubPaths.joinSubfolder("", "config.json"));
        assertEquals("a/b/config.json", HubPaths.joinSubfolder("a/b/", "config.json"));
    }
}
